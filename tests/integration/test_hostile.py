"""Integration tests of inputs that are broken or hostile: frame and program
names with markup, quotes, backticks, '|', control bytes, '../', 5000
characters and invalid UTF-8 drawn by `profgate flamegraph`, `profgate run`
and `profgate check` (they must stay text in HTML, SVG, Markdown and
JUnit); benchmark names in a config
that would be unsafe as paths (refused, exit 2, naming the key, on one
line); an output directory that is a symlink, a device or on a full disk
(exit 125 naming the path, no half-written file left); and baseline stores
that are truncated, from a newer schema, read-only or full (exit 2 naming
the file, the stored baseline untouched). Runs the real profgate
($PROFGATE); the full and read-only file systems are small tmpfs mounts,
which needs root (CI runs as root; elsewhere these tests fail saying so).

Tests listed in PG_KNOWN_FAILING (tests/integration/CMakeLists.txt) document
bugs that are not fixed yet: the run of the whole file leaves them out and
CTest runs each one on its own, expecting it to fail."""

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pgtest
from pgtest import GIT_ENV, git, ProfgateTestCase

SVG_NS = "{http://www.w3.org/2000/svg}"

LONG_NAME = "Long" + "x" * 4996  # 5000 characters

# Frame names, as bytes: each is one frame of a folded line. None holds ';'
# (the frame separator) or a newline (the line end): folded input cannot
# carry those inside a name.
HOSTILE_FRAMES = [
    b"<img src=x onerror=alert(1)>",
    b"</script><script>alert(2)</script>",
    b"</SCRIPT\t><b>bold</b>",
    b"<svg/onload=alert(3)>",
    b"a & b &amp &lt &#60 &gt",
    b"\"double\" 'single' `backtick` ${template} $(shell)",
    b"pipe|in|the name || more",
    b"../../../etc/passwd",
    b"]]><!-- --><![CDATA[ x",
    b"bad utf-8 \xff\xfe \xc3( \xed\xa0\x80 end",
    b"ctrl \x1b[31mred\x1b[0m \x07 \x0b \x7f",
    b"\xe2\x80\xa8line sep\xe2\x80\xa9para sep",
    b"{{constructor.constructor('alert(4)')()}}",
    b"javascript:alert(5)",
    LONG_NAME.encode(),
]
# Markup that must never come out of a name: as long as '<' is escaped,
# "onerror=" and the like are harmless text.
MARKUP = ("<img", "<script", "</script", "<svg", "<b>", "<!--", "<![cdata[", "]]>")


def markup_counts(text):
    low = text.lower()
    return {m: low.count(m) for m in MARKUP}


def leftovers(folder):
    """Temporary and raw files left anywhere under folder."""
    found = []
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            if ".tmp." in name or name.startswith(".raw-"):
                found.append(os.path.join(root, name))
    return found


class HostileTestCase(ProfgateTestCase):

    def write_bytes(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def mount_tmpfs(self, path, size, readonly_after=None):
        """Mounts a tmpfs of `size` at path (created), removed at cleanup.
        readonly_after(path) fills it, then it is remounted read-only."""
        if os.geteuid() != 0:
            self.fail("this test mounts a small tmpfs to get a full or read-only file system, "
                      "which needs root (CI runs ci/test.sh as root)")
        os.makedirs(path, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size, "tmpfs", path],
                       check=True, timeout=30)
        self.addCleanup(subprocess.run, ["umount", "-l", path], timeout=30)
        if readonly_after:
            readonly_after(path)
            subprocess.run(["mount", "-o", "remount,ro", path], check=True, timeout=30)
        return path

    def assert_one_line_naming(self, result, *needles, prefix=None):
        """One error line on stderr that names every needle; with prefix,
        only the lines starting with it count (record prints progress)."""
        lines = result.stderr_lines()
        if prefix:
            lines = [l for l in lines if l.startswith(prefix)]
        self.assertEqual(len(lines), 1, "expected one line on stderr\n" + self.describe(result))
        for needle in needles:
            self.assertIn(needle, lines[0], self.describe(result))
        return lines[0]


class HostileFramesTest(HostileTestCase):
    """`profgate flamegraph` on frame names that are markup or broken text:
    every report of the hostile file has exactly the markup of the report of
    a benign file of the same shape, and keeps the names as data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tmp = cls.class_tmp()

        def folded(frames):
            return b"".join(b"prog;main;caller;" + f + b" %d\n" % (10 + i)
                            for i, f in enumerate(frames))
        cls.hostile = os.path.join(tmp, "hostile.folded")
        cls.benign = os.path.join(tmp, "benign.folded")
        with open(cls.hostile, "wb") as f:
            f.write(folded(HOSTILE_FRAMES))
        with open(cls.benign, "wb") as f:
            f.write(folded([b"name%d" % i for i in range(len(HOSTILE_FRAMES))]))
        cls.out = {}
        cls.results = {}
        for which, src in (("hostile", cls.hostile), ("benign", cls.benign)):
            for ext in ("html", "svg"):
                path = os.path.join(tmp, "%s.%s" % (which, ext))
                title = "<img src=t onerror=alert(6)> & \"title\"" if which == "hostile" else "t"
                cls.results[which, ext] = cls.run_raw(["flamegraph", src, "-o", path, "--title", title])
                cls.out[which, ext] = path

    def read(self, which, ext):
        self.assert_exit(self.results[which, ext], 0)
        self.assertEqual(self.results[which, ext].stderr, "")
        with open(self.out[which, ext], "rb") as f:
            raw = f.read()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            self.fail("%s report is not UTF-8: %s" % (ext, e))

    def test_html_has_no_markup_from_names(self):
        html = self.read("hostile", "html")
        benign = self.read("benign", "html")
        self.assertEqual(markup_counts(html), markup_counts(benign),
                         "a name became markup in the HTML report")
        for ch in ("\x1b", "\x07", "\x0b"):
            self.assertNotIn(ch, html, "raw control byte %r in the HTML" % ch)

    def test_html_data_keeps_the_names_as_text(self):
        html = self.read("hostile", "html")
        m = re.search(r'<script type="application/json" id="pg-data">(.*?)</script>', html, re.S)
        self.assertIsNotNone(m, "no data block in the HTML report")
        self.assertNotIn("</script", m.group(1).lower())
        data = json.loads(m.group(1))
        names = set(data["profiles"][0]["names"])
        for frame in HOSTILE_FRAMES:
            try:
                text = frame.decode("utf-8")
            except UnicodeDecodeError:
                # Invalid UTF-8 is replaced, not dropped.
                self.assertTrue(any(n.startswith("bad utf-8 ") and n.endswith(" end") for n in names),
                                sorted(names))
                continue
            self.assertIn(text, names)
        self.assertEqual(data["title"], "<img src=t onerror=alert(6)> & \"title\"")

    def test_svg_has_no_markup_from_names(self):
        svg = self.read("hostile", "svg")
        benign = self.read("benign", "svg")
        self.assertEqual(markup_counts(svg), markup_counts(benign), "a name became markup in the SVG")
        for ch in ("\x1b", "\x07", "\x0b", "\x7f"):
            self.assertNotIn(ch, svg, "raw control byte %r in the SVG (not XML 1.0)" % ch)
        root = ET.fromstring(svg)  # well-formed: every name was escaped
        tags = lambda r: sorted({(e.tag, tuple(sorted(a for a in e.attrib if a.startswith("on"))))
                                 for e in r.iter()})
        self.assertEqual(tags(root), tags(ET.fromstring(benign)),
                         "the hostile SVG has elements or event attributes the benign one has not")

    def test_svg_titles_keep_the_names_as_text(self):
        root = ET.fromstring(self.read("hostile", "svg"))
        titles = [t.text or "" for t in root.iter(SVG_NS + "title")]
        for frame in (b"<img src=x onerror=alert(1)>", b"</script><script>alert(2)</script>",
                      b"\"double\" 'single' `backtick` ${template} $(shell)", b"pipe|in|the name || more",
                      b"../../../etc/passwd", LONG_NAME.encode()):
            self.assertTrue(any(t.startswith(frame.decode() + " (") for t in titles),
                            "no <title> for %r" % frame[:60])
        texts = [t.text or "" for t in root.iter(SVG_NS + "text")]
        self.assertIn("<img src=t onerror=alert(6)> & \"title\"", texts)

    def test_hostile_program_file_name(self):
        # The program's file name becomes the root frame, the title and the
        # default output folder.
        name = "x<img src=y onerror=alert(1)>&\"'`|$(id)\nz"
        exe = os.path.join(self.tmp, name)
        shutil.copy(self.target("pg_exit_code"), exe)
        benign = os.path.join(self.tmp, "benign")
        shutil.copy(self.target("pg_exit_code"), benign)
        results = {}
        for which, path in (("hostile", exe), ("benign", benign)):
            result = self.run_raw(["run", "--", path, "0"], cwd=self.tmp)
            result.out_dir = os.path.join(self.tmp, "profgate-out", os.path.basename(path))
            self.assert_exit(result, 0)
            results[which] = result
        result = results["hostile"]
        profile = self.load_profile(result)
        self.assertEqual(profile["command"], [exe, "0"], self.describe(result))
        # Strict format (no line broken by the newline); the root frame is
        # the name with the newline replaced.
        folded = self.load_folded(result)
        roots = {fr[0] for fr, _ in folded.stacks}
        self.assertEqual(len(roots), 1, roots)
        root = roots.pop()
        self.assertNotIn("\n", root)
        self.assertTrue(root.startswith("x<img src=y onerror=alert(1)>&\"'`|$(id)"), root)
        html = {}
        for which, r in results.items():
            with open(os.path.join(r.out_dir, "report.html"), encoding="utf-8") as f:
                html[which] = f.read()
        self.assertEqual(markup_counts(html["hostile"]), markup_counts(html["benign"]),
                         "the program's name became markup in report.html")


def strip_code_spans(text):
    """text without its CommonMark code spans (a run of n backticks up to
    the next run of exactly n); unmatched runs stay as they are."""
    out = []
    i = 0
    while i < len(text):
        if text[i] != "`":
            out.append(text[i])
            i += 1
            continue
        j = i
        while j < len(text) and text[j] == "`":
            j += 1
        run = j - i
        k = j
        end = -1
        while k < len(text):
            if text[k] == "`":
                m = k
                while m < len(text) and text[m] == "`":
                    m += 1
                if m - k == run:
                    end = m
                    break
                k = m
            else:
                k += 1
        if end < 0:
            out.append(text[i:j])
            i = j
        else:
            out.append("CODE")
            i = end
    return "".join(out)


def split_row(line):
    """The cells of a GFM table row: split at '|' not escaped as '\\|'."""
    cells = re.split(r"(?<!\\)\|", line.strip())
    return cells[1:-1] if line.strip().startswith("|") else cells


class HostileCheckReportTest(HostileTestCase):
    """`profgate check` on a benchmark whose program (stripped, so that its
    frames are [<file name>+0xOFFSET]) has a hostile file name: the names
    stay text in summary.md (inside code spans, tables intact), junit.xml
    and the HTML reports, which carry exactly the markup of the reports of
    a benign name."""

    HOSTILE = "x<img src=y onerror=alert(1)>&\"'|``a``b```c_*[l](e.x)<!--"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reports = {}
        cls.results = {}
        tmp = cls.class_tmp()
        for which, name in (("hostile", cls.HOSTILE), ("benign", "benign_program")):
            repo = os.path.join(tmp, which)
            os.makedirs(os.path.join(repo, "bin"))
            exe = os.path.join(repo, "bin", name)
            shutil.copy(cls.target("pg_ratio31"), exe)
            subprocess.run(["strip", exe], check=True, timeout=60)
            git(repo, "init", "-q", "-b", "main")
            config = {"defaults": {"repeat": 4, "mem_repeat": 1, "warmup": 0, "timeout": 60},
                      "benchmarks": [{"name": "one", "run": [exe, "0.1"]}]}
            with open(os.path.join(repo, "profgate.json"), "w") as f:
                json.dump(config, f)
            git(repo, "add", "profgate.json")
            git(repo, "commit", "-q", "-m", "first")
            env = dict(os.environ, **GIT_ENV)
            cls.results[which, "record"] = cls.run_raw(["record", "-q"], cwd=repo, env=env)
            # Another program under the same name: its hot frames, at other
            # offsets, rise from 0% to most of the profile (a "function"
            # regression that names them).
            shutil.copy(cls.target("pg_exit_code"), exe)
            subprocess.run(["strip", exe], check=True, timeout=60)
            config["benchmarks"][0]["run"][1] = "0"
            with open(os.path.join(repo, "profgate.json"), "w") as f:
                json.dump(config, f)
            cls.results[which, "check"] = cls.run_raw(["check", "-q", "--out", "report"], cwd=repo, env=env)
            cls.reports[which] = os.path.join(repo, "report")

    def setUp(self):
        super().setUp()
        for which in ("hostile", "benign"):
            self.assert_exit(self.results[which, "record"], 0)
            self.assertEqual(self.results[which, "check"].returncode, 1,
                          "check should find the regression\n"
                          + self.describe(self.results[which, "check"]))

    def read(self, which, name):
        with open(os.path.join(self.reports[which], name), "rb") as f:
            raw = f.read()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            self.fail("%s is not UTF-8: %s" % (name, e))

    def test_markdown_keeps_names_in_code_spans(self):
        md = self.read("hostile", "summary.md")
        self.assertIn("<img src=y", md, "the hostile name is not in summary.md at all")
        header_cells = None
        for line in md.splitlines():
            if line.startswith("|"):
                cells = split_row(line)
                if header_cells is None or re.match(r"^\|[-:| ]+\|$", line):
                    header_cells = header_cells or len(cells)
                self.assertEqual(len(cells), header_cells, "a name broke the table row: %r" % line)
            elif not line.strip():
                header_cells = None
            text = strip_code_spans(line)
            for bad in ("<img", "<!--", "](e.x)"):
                self.assertNotIn(bad, text, "markup or a link outside code spans: %r" % line)

    def test_junit_keeps_names_as_text(self):
        for which in ("hostile", "benign"):
            root = ET.fromstring(self.read(which, "junit.xml"))
            tags = {e.tag for e in root.iter()}
            self.assertLessEqual(tags, {"testsuites", "testsuite", "testcase", "failure", "skipped",
                                        "error", "system-out", "system-err", "properties", "property"},
                                 which)
        text = " ".join((e.text or "") + " ".join(e.attrib.values())
                        for e in ET.fromstring(self.read("hostile", "junit.xml")).iter())
        self.assertIn(self.HOSTILE, text, "the regression's functions are not named in junit.xml")

    def test_html_reports_have_no_markup_from_names(self):
        for name in ("index.html", "one/diff-cpu.html", "one/report.html"):
            with self.subTest(report=name):
                hostile, benign = self.read("hostile", name), self.read("benign", name)
                self.assertIn("onerror=alert(1)", hostile.replace("&#61;", "=").replace("\\u003d", "="),
                              "the hostile name is not in %s at all" % name)
                self.assertEqual(markup_counts(hostile), markup_counts(benign),
                                 "a name became markup in %s" % name)


class UnsafeNamesTest(HostileTestCase):
    """Benchmark names become file and folder names: a name that is not safe
    as one is a config error (exit 2) naming the key, and nothing is
    created for it."""

    UNSAFE = ["../escape", "a/b", "/abs", "..", ".hidden", "-option", "<script>alert(1)</script>",
              "a&b", "quote\"d", "it's", "back`tick`", "pi|pe", "sp ace", "x" * 101, LONG_NAME,
              "bad\udcff", "caf\u00e9", ""]
    CONTROL = ["new\nline", "car\rriage", "esc\x1b[2Jape", "::error::injected"]

    def setUp(self):
        super().setUp()
        self.repo = os.path.join(self.tmp, "repo")
        os.makedirs(self.repo)
        git(self.repo, "init", "-q", "-b", "main")
        git(self.repo, "commit", "-q", "--allow-empty", "-m", "first")

    def write_config(self, name):
        config = {"defaults": {"repeat": 1, "mem_repeat": 0, "warmup": 0},
                  "benchmarks": [{"name": name, "run": [self.target("pg_exit_code"), "0"]}]}
        text = json.dumps(config, ensure_ascii=False)
        # "bad\udcff" stands for the byte 0xff: invalid UTF-8 in the file.
        with open(os.path.join(self.repo, "profgate.json"), "wb") as f:
            f.write(text.encode("utf-8", "surrogateescape"))

    def snapshot(self):
        """Every path under the temporary folder (the repository and its
        parent), to see that nothing was created."""
        found = set()
        for root, dirs, files in os.walk(self.tmp):
            if ".git" in dirs:
                dirs.remove(".git")
            for n in dirs + files:
                found.add(os.path.join(root, n))
        return found

    def record(self, *args):
        return self.run_raw(["record"] + list(args), cwd=self.repo,
                            env=dict(os.environ, **GIT_ENV))

    def test_unsafe_benchmark_names_are_refused_naming_the_key(self):
        for name in self.UNSAFE:
            with self.subTest(name=name[:40]):
                self.write_config(name)
                before = self.snapshot()
                result = self.record()
                self.assert_exit(result, 2)
                lines = result.stderr_lines()
                self.assertTrue(lines, self.describe(result))
                self.assertIn("profgate.json", lines[0], self.describe(result))
                self.assertIn("benchmarks[0]", lines[0], self.describe(result))
                self.assertIn("name", lines[0], self.describe(result))
                self.assertEqual(self.snapshot() - before, set(), "files created for a refused config")

    def test_names_with_control_characters_are_refused_on_one_line(self):
        # The refused name is quoted with its control bytes escaped: a
        # newline in it must not split the error over two lines, and no
        # escape sequence or "::error::" line may reach a CI log as such.
        for name in self.CONTROL:
            with self.subTest(name=name):
                self.write_config(name)
                result = self.record()
                self.assert_exit(result, 2)
                self.assert_one_line_naming(result, "benchmarks[0]", "name")
                self.assertNotRegex(result.stderr, r"[\x00-\x08\x0b-\x1f\x7f]",
                                    "raw control characters on stderr\n" + self.describe(result))
                self.assertFalse(any(l.startswith("::") for l in result.stderr.splitlines()),
                                 self.describe(result))
        self.write_config("ok")
        result = self.record("--bench", "new\nline")
        self.assert_exit(result, 2)
        self.assert_one_line_naming(result, "no benchmark")


class OutputDirectoryTest(HostileTestCase):
    """`profgate run -o DIR` where DIR is not a plain directory: exit 125
    (profgate failed) with one line naming the path, nothing written
    elsewhere, no temporary or raw files left."""

    def run_into(self, out, *options):
        return self.profile_run(out, [self.target("pg_exit_code"), "0"], options=list(options))

    def test_symlinks_and_devices_that_are_not_directories(self):
        target = os.path.join(self.tmp, "nowhere")
        afile = os.path.join(self.tmp, "afile")
        with open(afile, "w") as f:
            f.write("keep\n")
        cases = {"dangling": target, "to-a-file": afile, "loop": "loop"}
        for name, dest in cases.items():
            with self.subTest(name=name):
                link = os.path.join(self.tmp, name)
                os.symlink(dest, link)
                result = self.run_into(link)
                self.assert_exit(result, 125)
                self.assert_one_line_naming(result, link)
                self.assertFalse(os.path.exists(target), "created the dangling symlink's target")
                with open(afile) as f:
                    self.assertEqual(f.read(), "keep\n")
        for out in ("/dev/full", "/dev/full/sub", "/dev/null/sub"):
            with self.subTest(out=out):
                result = self.run_into(out)
                self.assert_exit(result, 125)
                self.assert_one_line_naming(result, out.rsplit("/", 1)[0] if out.endswith("/sub") else out)
        self.assertEqual(leftovers(self.tmp), [])

    def test_symlinks_inside_the_output_directory_are_replaced_not_followed(self):
        out = os.path.join(self.tmp, "out")
        os.makedirs(out)
        victims = {}
        for name in ("profile.json", "cpu.folded", "report.html", "mem-peak.folded"):
            victim = os.path.join(self.tmp, "victim-" + name)
            with open(victim, "w") as f:
                f.write("precious\n")
            os.symlink(victim, os.path.join(out, name))
            victims[name] = victim
        result = self.run_into(out)
        self.assert_exit(result, 0)
        for name, victim in victims.items():
            with open(victim) as f:
                self.assertEqual(f.read(), "precious\n", "%s was written through a symlink" % name)
            self.assertFalse(os.path.islink(os.path.join(out, name)), name)
        self.load_profile(result)

    def test_an_output_directory_that_is_a_symlink_is_refused(self):
        # A report directory that is a symlink is refused (exit 2, or 125
        # for run, naming the path); nothing is written where it points.
        real = os.path.join(self.tmp, "real")
        os.makedirs(real)
        link = os.path.join(self.tmp, "link")
        os.symlink(real, link)
        result = self.run_into(link)
        self.assertEqual(os.listdir(real), [], "wrote through the symlink\n" + self.describe(result))
        self.assert_exit(result, 125)
        self.assert_one_line_naming(result, link)

    def test_a_check_report_directory_that_is_a_symlink_is_refused(self):
        real = os.path.join(self.tmp, "real-report")
        os.makedirs(real)
        link = os.path.join(self.tmp, "link-report")
        os.symlink(real, link)
        result = self.run_raw(["check", "--out", link], cwd=self.tmp)
        self.assertEqual(os.listdir(real), [], "wrote through the symlink\n" + self.describe(result))
        self.assert_exit(result, 2)
        self.assert_one_line_naming(result, link)

    def test_a_full_disk_fails_cleanly(self):
        # A tmpfs too small for the raw records (8k), or for the report
        # (16k, 64k): exit 125 naming a file on it, no temporary or raw file
        # left, and whatever profile file is there is whole.
        for size in ("8k", "16k", "64k"):
            with self.subTest(size=size):
                disk = self.mount_tmpfs(os.path.join(self.tmp, "disk-" + size), size)
                out = os.path.join(disk, "out")
                result = self.profile_run(out, [self.target("pg_ratio31"), "0.3"])
                self.assert_exit(result, 125)
                line = self.assert_one_line_naming(result, out)
                self.assertIn("No space left on device", line)
                self.assertEqual(leftovers(disk), [], self.describe(result))
                if os.path.exists(os.path.join(out, "profile.json")):
                    self.load_profile(result)

    def test_flamegraph_onto_a_full_disk(self):
        disk = self.mount_tmpfs(os.path.join(self.tmp, "disk"), "8k")
        folded = self.write_bytes("big.folded", b"".join(b"p;main;f%d %d\n" % (i, i + 1) for i in range(2000)))
        for ext in ("html", "svg"):
            with self.subTest(ext=ext):
                out = os.path.join(disk, "fg." + ext)
                result = self.run_raw(["flamegraph", folded, "-o", out])
                self.assert_exit(result, 2)
                self.assert_one_line_naming(result, out)
                self.assertEqual(os.listdir(disk), [], "files left on the full disk")

    def test_a_full_disk_loses_no_sample_silently(self):
        # With the raw records on a full disk the collector counts what it
        # cannot write as lost samples, so a profile that fits once the raw
        # folder is removed never claims "lost_samples": 0 with half the
        # samples missing.
        # 112k: the raw records of 3 s fill it; the profile written after
        # they are removed fits.
        disk = self.mount_tmpfs(os.path.join(self.tmp, "disk"), "112k")
        out = os.path.join(disk, "out")
        result = self.profile_run(out, [self.target("pg_ratio31"), "3"], options=["--no-mem"])
        if result.returncode == 125:
            self.assertIn(out, result.stderr, self.describe(result))
            return
        self.assert_exit(result, 0)
        profile = self.load_profile(result)
        folded = self.load_folded(result)
        expected = profile["cpu_seconds"] * profile["cpu"]["hz"]
        accounted = folded.total() + profile["cpu"]["lost_samples"]
        self.assertGreater(accounted, 0.8 * expected,
                           "%d samples (%d lost) for %.2f s of CPU at %d Hz, exit 0\n%s"
                           % (folded.total(), profile["cpu"]["lost_samples"], profile["cpu_seconds"],
                              profile["cpu"]["hz"], self.describe(result)))


class BrokenStoreTest(HostileTestCase):
    """`profgate record` into a store whose baseline for the commit is
    truncated or of a newer schema, or that is read-only or full: exit 2
    naming the file or folder, the stored baseline untouched, nothing
    half-written left."""

    def setUp(self):
        super().setUp()
        self.repo = os.path.join(self.tmp, "repo")
        os.makedirs(self.repo)
        git(self.repo, "init", "-q", "-b", "main")
        git(self.repo, "commit", "-q", "--allow-empty", "-m", "first")
        self.head = git(self.repo, "rev-parse", "HEAD")
        config = {"defaults": {"repeat": 1, "mem_repeat": 1, "warmup": 0},
                  "benchmarks": [{"name": n, "run": [self.target("pg_exit_code"), "0"]}
                                 for n in ("one", "two")]}
        with open(os.path.join(self.repo, "profgate.json"), "w") as f:
            json.dump(config, f)
        self.store = os.path.join(self.repo, ".profgate", "baselines")
        self.path = os.path.join(self.store, self.head + ".json")
        result = self.record("--bench", "one")
        self.assert_exit(result, 0)
        with open(self.path, "rb") as f:
            self.good = f.read()

    def record(self, *args):
        return self.run_raw(["record"] + list(args), cwd=self.repo, env=dict(os.environ, **GIT_ENV))

    def refused(self, content):
        with open(self.path, "wb") as f:
            f.write(content)
        result = self.record("--bench", "two")
        self.assert_exit(result, 2)
        self.assertIn(self.path, result.stderr, self.describe(result))
        with open(self.path, "rb") as f:
            self.assertEqual(f.read(), content, "the stored baseline was changed")
        self.assertEqual(leftovers(self.store), [])
        for args in (["baseline", "show", "HEAD"], ["baseline", "list"]):
            shown = self.run_raw(args, cwd=self.repo)
            self.assert_exit(shown, 2)
            self.assertIn(self.path, shown.stderr, self.describe(shown))
        return result

    def test_truncated_baseline(self):
        for cut in (1, len(self.good) // 2, len(self.good) - 2):
            with self.subTest(cut=cut):
                self.refused(self.good[:cut])

    def test_baseline_of_a_newer_schema(self):
        newer = self.good.replace(b"profgate.baseline/1", b"profgate.baseline/2")
        result = self.refused(newer)
        self.assertIn("profgate.baseline/2", result.stderr)

    def test_read_only_store(self):
        def fill(path):
            with open(os.path.join(path, self.head + ".json"), "wb") as f:
                f.write(self.good)
        shutil.rmtree(self.store)
        self.mount_tmpfs(self.store, "1m", readonly_after=fill)
        result = self.record("--bench", "two")
        self.assert_exit(result, 2)
        self.assert_one_line_naming(result, self.store, "Read-only file system",
                                    prefix="profgate record: ")
        with open(self.path, "rb") as f:
            self.assertEqual(f.read(), self.good)
        shown = self.run_raw(["baseline", "show", "HEAD"], cwd=self.repo)
        self.assert_exit(shown, 0)

    def test_full_store(self):
        shutil.rmtree(self.store)
        self.mount_tmpfs(self.store, "4k")
        with open(self.path, "wb") as f:
            f.write(self.good)
        result = self.record("--bench", "two")
        self.assert_exit(result, 2)
        self.assert_one_line_naming(result, self.path, "No space left on device",
                                    prefix="profgate record: ")
        with open(self.path, "rb") as f:
            self.assertEqual(f.read(), self.good)
        self.assertEqual(leftovers(self.store), [])


if __name__ == "__main__":
    pgtest.main(__name__)
