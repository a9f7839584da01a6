"""Tests of `profgate flamegraph`: inputs (folded file, standard input,
profile directory and --kind), outputs (.html, .svg, the default name),
options, and the one-line errors with exit status 2. Runs the real
profgate ($PROFGATE) on folded files it writes and on tests/fixtures
($PG_FIXTURES). Nothing here skips."""

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

SMALL = ("prog;_start;__libc_start_main;main;parse;lex 30\n"
         "prog;_start;__libc_start_main;main;emit 20\n"
         "prog;__clone3;start_thread;worker;crunch 50\n")


def report_data(path):
    """The JSON a report embeds."""
    with open(path, encoding="utf-8") as f:
        html = f.read()
    m = re.search(r'<script type="application/json" id="pg-data">(.*?)</script>', html, re.S)
    if not m:
        raise AssertionError("%s has no data block" % path)
    return json.loads(m.group(1)), html


class FlamegraphCommandTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pg_flamegraph_cli.")

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

    def run_fg(self, *args, stdin=None, cwd=None):
        return subprocess.run([PROFGATE, "flamegraph"] + list(args), input=stdin, cwd=cwd or self.dir,
                              capture_output=True, text=True, timeout=60)

    def assert_ok(self, r):
        self.assertEqual(r.returncode, 0, "exit %d\nstdout: %s\nstderr: %s" % (r.returncode, r.stdout, r.stderr))
        self.assertEqual(r.stderr, "", "nothing on stderr when it works")

    def assert_error(self, r, *words):
        self.assertEqual(r.returncode, 2, "exit %d, expected 2\nstderr: %s" % (r.returncode, r.stderr))
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, "one line on stderr, got:\n%s" % r.stderr)
        self.assertTrue(lines[0].startswith("profgate flamegraph: "), lines[0])
        for w in words:
            self.assertIn(w, lines[0])
        return lines[0]

    # --- help and options ---------------------------------------------------

    def test_help_lists_the_options(self):
        for flag in ("--help", "-h"):
            r = self.run_fg(flag)
            self.assert_ok(r)
            self.assertIn("usage: profgate flamegraph", r.stdout)
            for opt in ("-o", "--kind", "--title", "--inverted", "cpu, wall, mem-peak or mem-leaks", ".svg"):
                self.assertIn(opt, r.stdout)

    def test_usage_errors(self):
        folded = self.write("cpu.folded", SMALL)
        self.assert_error(self.run_fg(), "no input")
        self.assert_error(self.run_fg("--bogus", folded), "--bogus")
        self.assert_error(self.run_fg("--kind", "disk", folded), "'disk'")
        self.assert_error(self.run_fg(folded, "-o", self.path("x.png")), "x.png", ".html or .svg")
        self.assert_error(self.run_fg(folded, folded), "one input")

    # --- folded files -------------------------------------------------------

    def test_folded_file_to_the_default_html(self):
        folded = self.write("in/stacks.folded", SMALL)
        r = self.run_fg(folded)
        self.assert_ok(r)
        data, html = report_data(self.path("flamegraph.html"))
        self.assertTrue(html.startswith("<!DOCTYPE html>"))
        self.assertEqual([t["id"] for t in data["tabs"]], ["cpu"])
        self.assertEqual(data["profiles"][0]["total"], 100)
        self.assertEqual(data["title"], folded)
        self.assertFalse(data["inverted"])
        self.assertNotIn("http", re.sub(r"https?://www\.w3\.org/[^\"']*", "", html).replace("http-equiv", ""))

    def test_title_inverted_and_standard_input(self):
        out = self.path("deep", "er", "fg.html")
        r = self.run_fg("-", "-o", out, "--title", "My <b>title</b>", "--inverted", stdin=SMALL)
        self.assert_ok(r)
        data, html = report_data(out)
        self.assertEqual(data["title"], "My <b>title</b>")
        self.assertTrue(data["inverted"])
        self.assertIn("<title>My &lt;b&gt;title&lt;/b&gt;", html)

    def test_kind_of_a_folded_file_sets_the_unit(self):
        folded = self.write("mem-peak.folded", "prog;main;alloc 1048576\n")
        out = self.path("m.html")
        self.assert_ok(self.run_fg(folded, "-o", out))
        data, _ = report_data(out)
        self.assertEqual(data["tabs"][0]["id"], "mem-peak")
        self.assertEqual(data["tabs"][0]["unit"], "bytes")
        other = self.write("x.folded", "prog;main;alloc 2048\n")
        self.assert_ok(self.run_fg(other, "--kind", "mem-leaks", "-o", out))
        data, _ = report_data(out)
        self.assertEqual(data["tabs"][0]["id"], "mem-leaks")

    def test_svg_output_is_well_formed(self):
        folded = self.write("cpu.folded", SMALL)
        out = self.path("fg.svg")
        self.assert_ok(self.run_fg(folded, "-o", out, "--title", "CPU & <stuff>"))
        root = ET.parse(out).getroot()
        self.assertEqual(root.tag, "{http://www.w3.org/2000/svg}svg")
        titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
        self.assertIn("all (100 samples, 100.00%)", titles)
        self.assertIn("lex (30 samples, 30.00%)", titles)
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        self.assertIn("CPU & <stuff>", texts)

    def test_inverted_svg_and_bytes(self):
        folded = self.write("mem-leaks.folded", "prog;main;alloc 3145728\n")
        out = self.path("fg.SVG")
        self.assert_ok(self.run_fg(folded, "-o", out, "--inverted"))
        root = ET.parse(out).getroot()
        self.assertEqual(root.get("data-inverted"), "1")
        titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
        self.assertIn("alloc (3.00 MiB, 100.00%)", titles)
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        self.assertIn("Icicle Graph", texts)

    def test_hostile_names_stay_text(self):
        hostile = os.path.join(FIXTURES, "hostile.folded")
        html_out, svg_out = self.path("h.html"), self.path("h.svg")
        self.assert_ok(self.run_fg(hostile, "-o", html_out))
        self.assert_ok(self.run_fg(hostile, "-o", svg_out))
        data, html = report_data(html_out)
        self.assertIn('<img src=x onerror="window.__x=1">', data["profiles"][0]["names"])
        self.assertIn("</script><script>window.__x=2</script>", data["profiles"][0]["names"])
        self.assertNotIn("<img", html)
        self.assertEqual(len(re.findall(r"</script", html, re.I)), 2)
        root = ET.parse(svg_out).getroot()  # parses: every name was escaped
        titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
        self.assertTrue(any(t.startswith('<img src=x onerror="window.__x=1"> (') for t in titles), titles)

    # --- profile directories ------------------------------------------------

    def make_dir(self, files):
        d = self.path("prof")
        os.makedirs(d, exist_ok=True)
        for name, text in files.items():
            self.write(os.path.join("prof", name), text)
        return d

    def profile_json(self, mode="cpu"):
        return json.dumps({
            "schema": "profgate.profile/1", "command": ["./bench", "--size", "10"],
            "wall_seconds": 1.5, "cpu_seconds": 1.25,
            "cpu": {"mode": mode, "hz": 999, "samples": 100},
            "memory": {"peak_heap_bytes": None, "peak_rss_bytes": 4096000},
            "threads": [{"pid": 7, "tid": 7, "name": "bench", "samples": 100}],
        })

    def test_directory_reads_the_header_from_profile_json(self):
        d = self.make_dir({"cpu.folded": SMALL, "profile.json": self.profile_json()})
        out = self.path("d.html")
        self.assert_ok(self.run_fg(d, "-o", out))
        data, _ = report_data(out)
        self.assertEqual(data["command"], ["./bench", "--size", "10"])
        self.assertEqual(data["title"], "./bench --size 10")
        self.assertEqual(data["hz"], 999)
        self.assertEqual(data["wall_seconds"], 1.5)
        self.assertEqual(data["peak_rss_bytes"], 4096000)
        self.assertIsNone(data["peak_heap_bytes"])
        self.assertEqual(data["threads"][0]["name"], "bench")

    def test_directory_kind_defaults_and_choices(self):
        d = self.make_dir({"cpu.folded": SMALL, "wall.folded": SMALL + "prog;main;[waiting] 50\n",
                           "profile.json": self.profile_json("wall")})
        out = self.path("k.html")
        self.assert_ok(self.run_fg(d, "-o", out))
        self.assertEqual(report_data(out)[0]["tabs"][0]["id"], "cpu")
        self.assert_ok(self.run_fg(d, "-o", out, "--kind", "wall"))
        data, _ = report_data(out)
        self.assertEqual(data["tabs"][0]["id"], "wall")
        self.assertEqual(data["profiles"][0]["total"], 150)
        os.unlink(os.path.join(d, "cpu.folded"))
        self.assert_ok(self.run_fg(d, "-o", out))
        self.assertEqual(report_data(out)[0]["tabs"][0]["id"], "wall", "only wall.folded: wall")

    def test_directory_without_the_kind_asked_for(self):
        d = self.make_dir({"cpu.folded": SMALL})
        line = self.assert_error(self.run_fg(d, "--kind", "mem-peak", "-o", self.path("x.html")),
                                 "mem-peak.folded", "memory was not tracked")
        self.assertIn(d, line)
        self.assert_error(self.run_fg(d, "--kind", "wall", "-o", self.path("x.html")), "wall.folded")
        empty = self.path("empty")
        os.makedirs(empty)
        self.assert_error(self.run_fg(empty, "-o", self.path("x.html")), "cpu.folded", "not a profile directory")

    def test_bad_profile_json_is_named(self):
        d = self.make_dir({"cpu.folded": SMALL, "profile.json": "{not json"})
        self.assert_error(self.run_fg(d, "-o", self.path("x.html")), "profile.json")

    # --- input and output errors --------------------------------------------

    def test_missing_and_malformed_input(self):
        self.assert_error(self.run_fg(self.path("nope.folded")), "nope.folded")
        bad = self.write("bad.folded", "a;b 1\na;b\n")
        self.assert_error(self.run_fg(bad, "-o", self.path("x.html")), "bad.folded", "line 2", "missing weight")
        self.assertFalse(os.path.exists(self.path("x.html")), "no output for bad input")

    def test_unwritable_output_is_named(self):
        folded = self.write("cpu.folded", SMALL)
        blocker = self.write("file", "x")
        for out in (os.path.join(blocker, "x.html"), os.path.join(blocker, "x.svg")):
            self.assert_error(self.run_fg(folded, "-o", out), blocker)


if __name__ == "__main__":
    unittest.main(verbosity=2)
