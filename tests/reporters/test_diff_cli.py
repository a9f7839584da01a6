"""Tests of `profgate diff`: inputs (folded files, standard input, profile
directories and --kind), outputs (.html, .svg, .folded, the default name),
--normalize and --title, the table of changed functions on stdout, and the
one-line errors with exit status 2. Runs the real profgate ($PROFGATE) on
folded files it writes and on tests/fixtures ($PG_FIXTURES). Nothing here
skips."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import xml.etree.ElementTree as ET


def env(name):
    value = os.environ.get(name)
    if not value:
        raise AssertionError("environment variable %s is not set (run this test through ctest)" % name)
    return value


PROFGATE = env("PROFGATE")
FIXTURES = env("PG_FIXTURES")
SVG = "{http://www.w3.org/2000/svg}"

BEFORE = ("prog;main;parse;lex 30\n"
          "prog;main;parse 10\n"
          "prog;main;emit 20\n"
          "prog;main;old_path 15\n"
          "prog;main;rec;rec;rec 5\n")
AFTER = ("prog;main;parse;lex 45\n"
         "prog;main;parse 10\n"
         "prog;main;emit 8\n"
         "prog;main;new_path 12\n"
         "prog;main;rec;rec 5\n"
         "prog;main;rec;helper;rec 10\n")


def diff_data(path):
    """The JSON a differential flame graph embeds, and the page."""
    with open(path, encoding="utf-8") as f:
        html = f.read()
    m = re.search(r'<script type="application/json" id="pg-data" data-kind="diff">(.*?)</script>', html, re.S)
    if not m:
        raise AssertionError("%s has no data block" % path)
    return json.loads(m.group(1)), html


def table_rows(stdout):
    """The rows of the table of changed functions: {name: [columns...]}."""
    lines = stdout.splitlines()
    head = next(i for i, l in enumerate(lines) if l.startswith("function "))
    rows = {}
    for line in lines[head + 1:]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", line.strip())
        rows[cells[0]] = cells[1:]
    return rows


class DiffCommandTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pg_diff_cli.")
        self.before = self.write("before.folded", BEFORE)
        self.after = self.write("after.folded", AFTER)

    def tearDown(self):
        if not os.environ.get("PG_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write(self, name, text):
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        return p

    def run_diff(self, *args, stdin=None, cwd=None):
        return subprocess.run([PROFGATE, "diff"] + list(args), input=stdin, cwd=cwd or self.dir,
                              capture_output=True, text=True, timeout=60)

    def assert_ok(self, r):
        self.assertEqual(r.returncode, 0, "exit %d\nstdout: %s\nstderr: %s" % (r.returncode, r.stdout, r.stderr))
        self.assertEqual(r.stderr, "", "nothing on stderr when it works")

    def assert_error(self, r, *words):
        self.assertEqual(r.returncode, 2, "exit %d, expected 2\nstdout: %s\nstderr: %s"
                         % (r.returncode, r.stdout, r.stderr))
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, "one line on stderr, got:\n%s" % r.stderr)
        self.assertTrue(lines[0].startswith("profgate diff: "), lines[0])
        for w in words:
            self.assertIn(w, lines[0])
        return lines[0]

    # --- help and options ---------------------------------------------------

    def test_help_lists_the_options(self):
        for flag in ("--help", "-h"):
            r = self.run_diff(flag)
            self.assert_ok(r)
            self.assertIn("usage: profgate diff", r.stdout)
            for opt in ("-o", "--kind", "--normalize", "--title", "cpu, wall, mem-peak or mem-leaks", ".svg",
                        ".folded", "BEFORE", "AFTER"):
                self.assertIn(opt, r.stdout)
        r = subprocess.run([PROFGATE, "help", "diff"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: profgate diff", r.stdout)

    def test_usage_errors(self):
        self.assert_error(self.run_diff(), "two inputs")
        self.assert_error(self.run_diff(self.before), "two inputs")
        self.assert_error(self.run_diff(self.before, self.after, self.after), "two inputs only", "third")
        self.assert_error(self.run_diff("--bogus", self.before, self.after), "--bogus")
        self.assert_error(self.run_diff("--kind", "disk", self.before, self.after), "'disk'")
        self.assert_error(self.run_diff(self.before, self.after, "-o", self.path("x.png")),
                          "x.png", ".html, .svg or .folded")
        self.assert_error(self.run_diff("-", "-", stdin=""), "standard input")
        self.assertFalse(os.path.exists(self.path("diff.html")))

    # --- outputs ------------------------------------------------------------

    def test_folded_files_to_the_default_html_and_the_table(self):
        r = self.run_diff(self.before, self.after)
        self.assert_ok(r)
        data, html = diff_data(self.path("diff.html"))
        self.assertTrue(html.startswith("<!DOCTYPE html>"))
        self.assertEqual(data["format"], "profgate.diff/1")
        self.assertEqual(data["before"]["total"], 80)
        self.assertEqual(data["after"]["total"], 90)
        self.assertEqual(data["unit"], "samples")
        self.assertFalse(data["normalize"])
        self.assertEqual(data["title"], "%s \u2192 %s" % (self.before, self.after))
        self.assertEqual(sum(data["tree"]["before"]), 80)
        self.assertEqual(sum(data["tree"]["after"]), 90)
        self.assertNotIn("http", re.sub(r"https?://www\.w3\.org/[^\"']*", "", html).replace("http-equiv", ""))
        # The table: hand-computed, recursion counted once.
        self.assertIn("cpu samples: BEFORE 80, AFTER 90, change +10 (+12.5%)", r.stdout)
        self.assertIn("functions by change of self weight (samples):", r.stdout)
        rows = table_rows(r.stdout)
        # By the change of self weight, as the HTML table: by total, parse
        # (self 10 -> 10, total 40 -> 55) would stand before emit, and main
        # and prog (no self weight) before rec.
        self.assertEqual(list(rows), ["lex", "old_path", "emit", "new_path", "rec", "helper", "main", "parse",
                                      "prog"], r.stdout)
        self.assertEqual(rows["lex"], ["30", "45", "30", "45", "+15 (+50.0%)"])
        self.assertEqual(rows["old_path"], ["15", "0", "15", "0", "-15 (-100%)"])
        self.assertEqual(rows["new_path"], ["0", "12", "0", "12", "+12 (new)"])
        self.assertEqual(rows["rec"], ["5", "15", "5", "15", "+10 (+200.0%)"])
        self.assertEqual(rows["parse"], ["10", "10", "40", "55", "0"])
        # helper is new (total 0 -> 10) but never a leaf: no self change.
        self.assertEqual(rows["helper"], ["0", "0", "0", "10", "0"])
        self.assertIn("wrote diff.html", r.stdout)

    def test_normalize_and_title(self):
        out = self.path("deep", "er", "d.html")
        r = self.run_diff("--normalize", "--title", "My <b>diff</b>", self.before, self.after, "-o", out)
        self.assert_ok(r)
        data, html = diff_data(out)
        self.assertTrue(data["normalize"])
        self.assertEqual(data["title"], "My <b>diff</b>")
        self.assertIn("<title>My &lt;b&gt;diff&lt;/b&gt;", html)
        self.assertIn("BEFORE scaled by 1.125 to AFTER's total", r.stdout)
        rows = table_rows(r.stdout)
        self.assertEqual(list(rows)[:2], ["old_path", "emit"], r.stdout)
        self.assertEqual(rows["emit"], ["23", "8", "23", "8", "-15 (-64.4%)"])
        self.assertEqual(rows["main"][-1], "0")

    def test_svg_output_is_well_formed_and_coloured(self):
        out = self.path("d.svg")
        self.assert_ok(self.run_diff(self.before, self.after, "-o", out, "--title", "CPU & <stuff>"))
        root = ET.parse(out).getroot()
        self.assertEqual(root.tag, SVG + "svg")
        fills = {}
        for g in root.iter(SVG + "g"):
            title = g.find(SVG + "title")
            if title is not None:
                fills.setdefault(title.text.split(" (")[0], g.find(SVG + "rect").get("fill"))
        self.assertEqual(fills["lex"], "rgb(214,39,40)")        # grew the most: full red
        self.assertEqual(fills["emit"], "rgb(77,133,189)")      # shrank: blue
        self.assertEqual(fills["main"], "rgb(255,255,255)")     # no self change: white
        self.assertNotIn("old_path", fills, "AFTER's shape")
        texts = [t.text for t in root.iter(SVG + "text")]
        self.assertIn("CPU & <stuff>", texts)

    def test_folded_output_is_stack_before_after(self):
        out = self.path("d.folded")
        self.assert_ok(self.run_diff(self.before, self.after, "-o", out))
        with open(out) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines, sorted(lines))
        parsed = {}
        for line in lines:
            stack, b, a = line.rsplit(" ", 2)
            parsed[stack] = (int(b), int(a))
        self.assertEqual(parsed["prog;main;old_path"], (15, 0))
        self.assertEqual(parsed["prog;main;new_path"], (0, 12))
        self.assertEqual(parsed["prog;main;parse;lex"], (30, 45))
        self.assertEqual(len(parsed), 8)
        self.assert_ok(self.run_diff("--normalize", self.before, self.after, "-o", out))
        with open(out) as f:
            self.assertIn("prog;main;emit 23 8\n", f.read())

    def test_standard_input_and_the_table_of_odd_names(self):
        names = "".join("prog;main;f%02d %d\n" % (i, i + 1) for i in range(30))
        r = self.run_diff("-", self.write("odd.folded", names + "prog;main;tab\there 50\n"),
                          "-o", self.path("s.html"), stdin="prog;main;f00 100\n")
        self.assert_ok(r)
        rows = table_rows(r.stdout)
        self.assertEqual(len(rows), 20, "the top 20")
        self.assertIn("top 20 of 33 functions", r.stdout)
        self.assertIn("tab\\there", rows, "a tab is written as \\t, as in every message")
        data, _ = diff_data(self.path("s.html"))
        self.assertEqual(data["title"], "stdin \u2192 %s" % self.path("odd.folded"))

    def test_hostile_names_stay_text(self):
        before = os.path.join(FIXTURES, "diff_before.folded")
        after = os.path.join(FIXTURES, "diff_after.folded")
        html_out, svg_out = self.path("h.html"), self.path("h.svg")
        self.assert_ok(self.run_diff(before, after, "-o", html_out))
        self.assert_ok(self.run_diff(before, after, "-o", svg_out))
        data, html = diff_data(html_out)
        self.assertIn('<img src=x onerror="window.__x=1">', data["tree"]["names"])
        self.assertIn("</script><script>window.__x=2</script>", data["tree"]["names"])
        self.assertNotIn("<img", html)
        self.assertEqual(len(re.findall(r"</script", html, re.I)), 2)
        root = ET.parse(svg_out).getroot()  # parses: every name was escaped
        titles = [t.text for t in root.iter(SVG + "title")]
        self.assertTrue(any(t.startswith('<img src=x onerror="window.__x=1"> (') for t in titles), titles)

    # --- profile directories ------------------------------------------------

    def make_dir(self, name, files):
        d = self.path(name)
        os.makedirs(d, exist_ok=True)
        for fname, text in files.items():
            self.write(os.path.join(name, fname), text)
        return d

    def profile_json(self, hz=999):
        return json.dumps({
            "schema": "profgate.profile/1", "command": ["./bench"], "wall_seconds": 1.5, "cpu_seconds": 1.25,
            "cpu": {"mode": "cpu", "hz": hz, "samples": 100},
            "memory": {"peak_heap_bytes": 1048576, "peak_rss_bytes": 4096000},
        })

    def test_directories_and_kinds(self):
        b = self.make_dir("b", {"cpu.folded": BEFORE, "mem-peak.folded": "prog;main;alloc 1048576\n",
                                "profile.json": self.profile_json()})
        a = self.make_dir("a", {"cpu.folded": AFTER, "mem-peak.folded": "prog;main;alloc 3145728\nprog;main;x 1024\n",
                                "profile.json": self.profile_json()})
        out = self.path("d.html")
        r = self.run_diff(b, a, "-o", out)
        self.assert_ok(r)
        data, _ = diff_data(out)
        self.assertEqual(data["hz"], 999)
        self.assertEqual(data["after"]["total"], 90)
        r = self.run_diff("--kind", "mem-peak", b, a, "-o", out)
        self.assert_ok(r)
        data, _ = diff_data(out)
        self.assertEqual(data["unit"], "bytes")
        self.assertEqual(data["hz"], 0)
        self.assertIn("mem-peak bytes: BEFORE 1.00 MiB, AFTER 3.00 MiB, change +2.00 MiB (+200.1%)", r.stdout)
        self.assertEqual(table_rows(r.stdout)["alloc"], ["1.00 MiB", "3.00 MiB", "1.00 MiB", "3.00 MiB",
                                                         "+2.00 MiB (+200.0%)"])
        # A folded file's name says its kind too.
        r = self.run_diff(os.path.join(b, "mem-peak.folded"), os.path.join(a, "mem-peak.folded"), "-o", out)
        self.assert_ok(r)
        self.assertEqual(diff_data(out)[0]["unit"], "bytes")

    def test_different_rates_are_pointed_out(self):
        b = self.make_dir("b", {"cpu.folded": BEFORE, "profile.json": self.profile_json(hz=499)})
        a = self.make_dir("a", {"cpu.folded": AFTER, "profile.json": self.profile_json(hz=999)})
        r = self.run_diff(b, a, "-o", self.path("r.html"))
        self.assert_ok(r)
        self.assertIn("BEFORE was sampled at 499 Hz and AFTER at 999 Hz", r.stdout)
        self.assertEqual(diff_data(self.path("r.html"))[0]["hz"], 999)
        r = self.run_diff("--normalize", b, a, "-o", self.path("r.html"))
        self.assert_ok(r)
        self.assertNotIn("sampled at", r.stdout)

    def test_a_directory_with_wall_samples_only(self):
        b = self.make_dir("b", {"wall.folded": BEFORE})
        a = self.make_dir("a", {"wall.folded": AFTER, "cpu.folded": ""})
        r = self.run_diff(b, a, "-o", self.path("w.html"))
        self.assert_ok(r)
        self.assertIn("wall samples:", r.stdout)

    def test_directory_without_the_kind_asked_for(self):
        b = self.make_dir("b", {"cpu.folded": BEFORE})
        a = self.make_dir("a", {"cpu.folded": AFTER})
        line = self.assert_error(self.run_diff("--kind", "mem-leaks", b, a), "mem-leaks.folded",
                                 "memory was not tracked")
        self.assertIn(b, line)
        empty = self.make_dir("empty", {})
        self.assert_error(self.run_diff(b, empty), os.path.join(empty, "cpu.folded"), "not a profile directory")

    def test_bad_profile_json_is_named(self):
        b = self.make_dir("b", {"cpu.folded": BEFORE, "profile.json": "{not json"})
        self.assert_error(self.run_diff(b, self.after), "profile.json")

    # --- input and output errors --------------------------------------------

    def test_missing_and_malformed_input(self):
        self.assert_error(self.run_diff(self.path("nope.folded"), self.after), "nope.folded")
        self.assert_error(self.run_diff(self.before, self.path("gone.folded")), "gone.folded")
        bad = self.write("bad.folded", "a;b 1\na;b\n")
        self.assert_error(self.run_diff(self.before, bad, "-o", self.path("x.html")), "bad.folded", "line 2")
        self.assertFalse(os.path.exists(self.path("x.html")), "no output for bad input")

    def test_unwritable_output_is_named(self):
        blocker = self.write("file", "x")
        for ext in ("html", "svg", "folded"):
            self.assert_error(self.run_diff(self.before, self.after, "-o", os.path.join(blocker, "x." + ext)),
                              blocker)


if __name__ == "__main__":
    unittest.main(verbosity=2)
