"""Integration tests of `profgate merge-reports`, end to end: the real
profgate ($PROFGATE) records a baseline of a suite of five benchmarks (the
deterministic pg_check_heap of tests/targets, so that every verdict is the
same on every run) in a throwaway git repository, then on a branch that
makes one benchmark's peak heap grow it runs `check --shard 1/2` and
`check --shard 2/2` into two folders, and an unsharded `check` for
comparison. Merged, the two shards must give what the unsharded check
decided: the same benchmarks in the config's order, the same verdicts and
counts, the same exit status, with every link of summary.md and index.html
pointing at a file of the merged folder.

Then what must be refused (exit 2, one line naming the folder and what is
wrong): a missing shard (unless --partial, which says so and is at least
inconclusive), shards of different heads, the same shard twice, a benchmark
in two shards, a result.json that is broken or not a check's, a link in a
benchmark's folder, a path in result.json that leaves the benchmark's
folder, a symlinked --out, and usage errors.

Timings are not gated here (one timing run per benchmark: only the exact
memory metrics decide), so that a busy machine cannot change a verdict;
test_check.py tests timing verdicts."""

import json
import os
import re
import shutil
import unittest
import urllib.parse

from pgtest import git, ProfgateTestCase

REPORT_FILES = ("summary.md", "result.json", "junit.xml", "index.html")
BENCH_FILES = ("diff-cpu.html", "diff-mem.html", "report.html", "cpu.folded", "mem-peak.folded")
# Config order; shard 1/2 gets s0, s2, s4 and shard 2/2 s1, s3.
NAMES = ["s0", "s1", "s2", "s3", "s4"]
REGRESSED = "s1"  # PG_GROW=1 on the branch: a third 256 KiB block, +50% peak heap


class MergeReportsTest(ProfgateTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.base = cls.class_tmp()
        cls.repo = os.path.join(cls.base, "repo")
        os.makedirs(cls.repo)
        git(cls.repo, "init", "-q", "-b", "main")
        with open(os.path.join(cls.repo, ".gitignore"), "w") as f:
            f.write("profgate.json\n.profgate/\n")
        git(cls.repo, "add", ".gitignore")
        git(cls.repo, "commit", "-q", "-m", "first")
        cls.write_config(grow=False)
        cls.must(cls.pg("record", "-q"), 0)
        git(cls.repo, "checkout", "-q", "-b", "grow")
        cls.commit("grow")
        cls.write_config(grow=True)
        cls.head = git(cls.repo, "rev-parse", "HEAD")
        cls.shard = {}
        for k in (1, 2):
            cls.shard[k] = os.path.join(cls.base, "shard-%d" % k)
            cls.must(cls.pg("check", "-q", "--shard", "%d/2" % k, "--out", cls.shard[k]), 1 if k == 2 else 0)
        cls.full = os.path.join(cls.base, "full")
        cls.must(cls.pg("check", "-q", "--out", cls.full), 1)
        # The same shard 2/2, checked on a later commit.
        cls.commit("later")
        cls.other_head = os.path.join(cls.base, "shard-2-later")
        cls.must(cls.pg("check", "-q", "--shard", "2/2", "--out", cls.other_head), 1)

    # -- helpers --------------------------------------------------------------

    @classmethod
    def write_config(cls, grow):
        benches = []
        for name in NAMES:
            env = {"PG_GROW": "1"} if grow and name == REGRESSED else {}
            benches.append({"name": name, "run": [cls.target("pg_check_heap"), "2"], "env": env})
        config = {"defaults": {"repeat": 1, "mem_repeat": 1, "warmup": 0, "timeout": 60,
                               "thresholds": {"wall": "off", "cpu": "off", "function": "off",
                                              "peak_rss": "off"}},
                  "benchmarks": benches}
        with open(os.path.join(cls.repo, "profgate.json"), "w") as f:
            json.dump(config, f, indent=2)

    @classmethod
    def commit(cls, name):
        with open(os.path.join(cls.repo, "change.txt"), "w") as f:
            f.write(name + "\n")
        git(cls.repo, "add", "change.txt")
        git(cls.repo, "commit", "-q", "-m", name)

    @classmethod
    def pg(cls, *args, env=None, cwd=None):
        full_env = dict(os.environ)
        for key in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
            full_env.pop(key, None)
        full_env.update(env or {})
        return cls.run_raw(list(args), cwd=cwd or cls.repo, env=full_env)

    @classmethod
    def must(cls, result, expect):
        if result.returncode != expect:
            raise AssertionError("expected exit status %d\n%s\nstdout:\n%s" % (
                expect, cls.describe(result), result.stdout.decode(errors="replace")))
        return result

    def merge(self, *args, expect, env=None, cwd=None):
        result = self.pg("merge-reports", *args, env=env, cwd=cwd)
        self.assertEqual(result.returncode, expect, "expected exit status %d\n%s\nstdout:\n%s"
                         % (expect, self.describe(result), result.stdout.decode(errors="replace")))
        return result

    def refused(self, *args, needles=()):
        """merge-reports ARGS exits 2 with one line on stderr that says each needle."""
        result = self.merge(*args, expect=2)
        lines = result.stderr_lines()
        self.assertEqual(len(lines), 1, self.describe(result))
        for needle in needles:
            self.assertIn(needle, lines[0], self.describe(result))
        return lines[0]

    def copy_shard(self, k, name=None):
        dest = os.path.join(self.tmp, name or "copy-%d" % k)
        shutil.copytree(self.shard[k], dest, symlinks=True)
        return dest

    @staticmethod
    def load(folder):
        with open(os.path.join(folder, "result.json"), encoding="utf-8") as f:
            return json.load(f)

    @staticmethod
    def save(folder, result):
        with open(os.path.join(folder, "result.json"), "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)

    @staticmethod
    def read(path):
        with open(path, encoding="utf-8") as f:
            return f.read()

    @staticmethod
    def decisions(result):
        """What a check decided, without the measured values (timings differ
        from run to run): per benchmark its verdict, files and every metric's
        verdict. A hot function's row that was not checked is left out: which
        functions the sampler caught often enough to list (_dl_fixup,
        __call_tls_dtors...) differs between two separate measurements, and
        such a row decides nothing."""
        return [{"name": b["name"], "verdict": b["verdict"],
                 "files": sorted(k for k, v in b["files"].items() if v),
                 "metrics": sorted((m["metric"], m["function"] or "", m["verdict"]) for m in b["metrics"]
                                   if not (m["metric"] == "function" and m["verdict"] == "not-checked"))}
                for b in result["benchmarks"]]

    def assert_links_exist(self, out, url=None):
        """Every link of summary.md (under url, or as a path) and index.html
        names a file of out."""
        md = self.read(os.path.join(out, "summary.md"))
        if url:
            links = re.findall(r"\]\(%s/([^)\s]+)\)" % re.escape(urllib.parse.quote(url, safe=":/")), md)
            links = [urllib.parse.unquote(l) for l in links]
        else:
            links = [os.path.relpath(p, out) for p in re.findall(r"`(%s/[^`]+)`" % re.escape(out), md)]
        self.assertTrue(links, "summary.md links nothing:\n" + md)
        for rel in links:
            self.assertTrue(os.path.isfile(os.path.join(out, rel)), "summary.md links %s, which is not "
                            "in %s:\n%s" % (rel, out, md))
        html = self.read(os.path.join(out, "index.html"))
        hrefs = [h for h in re.findall(r'href="([^"]+)"', html) if not h.startswith("#")]
        self.assertTrue(hrefs, "index.html links nothing")
        for href in hrefs:
            self.assertNotRegex(href, r"^[a-z]+:|^/|\.\.", "index.html links outside the report: " + href)
            self.assertTrue(os.path.isfile(os.path.join(out, urllib.parse.unquote(href))),
                            "index.html links %s, which is not in %s" % (href, out))
        return links

    # -- the merged report ----------------------------------------------------------

    def test_merged_shards_decide_what_an_unsharded_check_decides(self):
        out = os.path.join(self.tmp, "merged")
        step_summary = os.path.join(self.tmp, "step-summary.md")
        with open(step_summary, "w") as f:
            f.write("earlier step\n")
        result = self.merge("--out", out, self.shard[2], self.shard[1], expect=1,
                            env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": step_summary})
        for name in REPORT_FILES:
            self.assertTrue(os.path.getsize(os.path.join(out, name)) > 0, name)
        merged, full = self.load(out), self.load(self.full)
        shard1, shard2 = self.load(self.shard[1]), self.load(self.shard[2])
        self.assertEqual([b["name"] for b in shard1["benchmarks"]], ["s0", "s2", "s4"])
        self.assertEqual([b["name"] for b in shard2["benchmarks"]], ["s1", "s3"])

        self.assertEqual([b["name"] for b in merged["benchmarks"]], NAMES, "not in the config's order")
        self.assertEqual(self.decisions(merged), self.decisions(full))
        for key in ("verdict", "exit_code", "counts", "head", "baseline", "dirty", "statistics"):
            self.assertEqual(merged[key], full[key], key)
        self.assertIsNone(merged["shard"])
        self.assertEqual(merged["verdict"], "regressed")
        self.assertEqual(merged["counts"]["regressed"], 1)
        self.assertEqual(merged["counts"]["unchanged"] + merged["counts"]["improved"], 4)
        grown = [b for b in merged["benchmarks"] if b["name"] == REGRESSED][0]
        self.assertEqual(grown["verdict"], "regressed")
        peak = [m for m in grown["metrics"] if m["metric"] == "peak_heap"][0]
        self.assertEqual(peak["verdict"], "regressed")
        self.assertAlmostEqual(peak["ratio"], 1.5, delta=0.01)  # 3 blocks held instead of 2
        # The shards' own measurements are carried over, not remeasured.
        self.assertEqual(grown, [b for b in shard2["benchmarks"] if b["name"] == REGRESSED][0])

        for name in NAMES:
            for file in BENCH_FILES:
                path = os.path.join(out, name, file)
                self.assertTrue(os.path.isfile(path), path + " was not copied")
            with open(os.path.join(out, name, "cpu.folded"), "rb") as a, \
                    open(os.path.join(self.shard[1 if name in ("s0", "s2", "s4") else 2], name, "cpu.folded"),
                         "rb") as b:
                self.assertEqual(a.read(), b.read())
        links = self.assert_links_exist(out)
        self.assertIn("%s/diff-mem.html" % REGRESSED, links)

        md = self.read(os.path.join(out, "summary.md"))
        first = md.splitlines()[0]
        self.assertIn("regression", first)
        self.assertIn("`%s`" % REGRESSED, first)
        self.assertIn("1 of 5 benchmarks", first)
        self.assertNotRegex(md, r"shard \d+ of \d+", "the merged report is not a shard")
        junit = self.read(os.path.join(out, "junit.xml"))
        for name in NAMES:
            self.assertIn('classname="profgate.%s"' % name, junit)
        self.assertRegex(junit, r'<testcase classname="profgate.s1" name="peak_heap">\s*<failure')

        # As check does it: the step summary and the annotations.
        appended = self.read(step_summary)
        self.assertTrue(appended.startswith("earlier step\n"))
        self.assertIn(first, appended)
        stdout = result.stdout.decode()
        annotations = [l for l in stdout.splitlines() if l.startswith("::error ")]
        self.assertTrue(annotations, stdout)
        self.assertTrue(all(REGRESSED in l for l in annotations), stdout)
        self.assertTrue(any("peak_heap" in l for l in annotations), stdout)
        self.assertIn("profgate merge-reports: regressed (1 regressed", stdout)

    def test_links_under_a_report_url_name_files_of_the_merged_folder(self):
        out = os.path.join(self.tmp, "merged")
        url = "https://ci.example/run 1/report"
        self.merge("--out", out, "--report-url", url, self.shard[1], self.shard[2], expect=1)
        links = self.assert_links_exist(out, url)
        self.assertIn("%s/diff-mem.html" % REGRESSED, links)
        self.assertIn("index.html", links)

    def test_the_output_folder_may_be_one_of_the_shards(self):
        one, two = self.copy_shard(1), self.copy_shard(2)
        before = {name: os.stat(os.path.join(one, name, "report.html")).st_ino for name in ("s0", "s2", "s4")}
        self.merge("--out", one, one, two, expect=1)
        merged = self.load(one)
        self.assertIsNone(merged["shard"])
        self.assertEqual([b["name"] for b in merged["benchmarks"]], NAMES)
        for name in NAMES:
            for file in BENCH_FILES:
                self.assertTrue(os.path.isfile(os.path.join(one, name, file)), (name, file))
        # Its own benchmark folders are left as they were, not copied onto themselves.
        for name, inode in before.items():
            self.assertEqual(os.stat(os.path.join(one, name, "report.html")).st_ino, inode, name)
        self.assert_links_exist(one)
        # The merged report is no shard: merging it again is refused.
        self.refused("--out", two, one, two, needles=(one, "not the report of a shard"))

    def test_benchmarks_not_in_a_config_are_ordered_by_shard_then_name(self):
        elsewhere = os.path.join(self.tmp, "elsewhere")
        os.makedirs(elsewhere)
        out = os.path.join(self.tmp, "merged")
        self.merge("--out", out, self.shard[2], self.shard[1], expect=1, cwd=elsewhere)
        self.assertEqual([b["name"] for b in self.load(out)["benchmarks"]], ["s0", "s2", "s4", "s1", "s3"])
        # An explicit config that cannot be read is an error.
        self.refused("--out", out, "-c", os.path.join(elsewhere, "nope.json"), self.shard[1], self.shard[2],
                     needles=("nope.json",))

    # -- missing shards ---------------------------------------------------------------

    def test_a_missing_shard_is_an_error(self):
        out = os.path.join(self.tmp, "merged")
        line = self.refused("--out", out, self.shard[1], needles=("2/2", "missing", "--partial"))
        self.assertFalse(os.path.exists(os.path.join(out, "result.json")), line)

    def test_partial_merge_names_the_missing_shard_and_is_inconclusive(self):
        out = os.path.join(self.tmp, "merged")
        # Shard 1 alone passed: with shard 2 missing that is inconclusive, not a pass.
        self.merge("--out", out, "--partial", self.shard[1], expect=3)
        merged = self.load(out)
        self.assertEqual(merged["verdict"], "inconclusive")
        self.assertEqual(merged["exit_code"], 3)
        self.assertEqual([b["name"] for b in merged["benchmarks"]], ["s0", "s2", "s4"])
        self.assertIn("shard 2/2 is missing", merged["note"])
        md = self.read(os.path.join(out, "summary.md"))
        self.assertIn("inconclusive", md.splitlines()[0])
        self.assertIn("incomplete", md.splitlines()[0])  # not "0 of 3 could not be decided"
        self.assertIn("shard 2/2 is missing", md)
        self.assertIn("shard 2/2 is missing", self.read(os.path.join(out, "index.html")))
        # A regression in the shards there are still fails.
        out2 = os.path.join(self.tmp, "merged-2")
        self.merge("--out", out2, "--partial", self.shard[2], expect=1)
        self.assertIn("shard 1/2 is missing", self.load(out2)["note"])

    # -- shards that do not belong together ----------------------------------------------

    def test_shards_of_different_heads_are_refused(self):
        line = self.refused("--out", os.path.join(self.tmp, "m"), self.shard[1], self.other_head,
                            needles=(self.other_head, "head commit", self.head[:12]))
        self.assertNotIn("\n", line)

    def test_the_same_shard_twice_is_refused(self):
        self.refused("--out", os.path.join(self.tmp, "m"), self.shard[1], self.shard[2], self.shard[1],
                     needles=(self.shard[1], "given twice"))
        again = self.copy_shard(2, "again")
        self.refused("--out", os.path.join(self.tmp, "m"), self.shard[1], self.shard[2], again,
                     needles=(again, "shard 2/2 again", self.shard[2]))

    def test_a_benchmark_in_two_shards_is_refused(self):
        twin = self.copy_shard(1, "twin")
        r = self.load(twin)
        r["shard"]["index"] = 2
        self.save(twin, r)
        self.refused("--out", os.path.join(self.tmp, "m"), self.shard[1], twin,
                     needles=("'s0'", self.shard[1], twin))

    def test_shards_of_another_split_or_baseline_are_refused(self):
        cases = {"count": (lambda r: r["shard"].update(count=3, index=2), "shard count"),
                 "baseline": (lambda r: r["baseline"].update(commit="0" * 40), "baseline commit"),
                 "unsharded": (lambda r: r.update(shard=None), "not the report of a shard")}
        for name, (change, needle) in cases.items():
            with self.subTest(case=name):
                copy = self.copy_shard(2, name)
                r = self.load(copy)
                change(r)
                self.save(copy, r)
                self.refused("--out", os.path.join(self.tmp, "m"), self.shard[1], copy, needles=(copy, needle))

    # -- hostile and broken shard folders ------------------------------------------------

    def test_broken_result_json_is_refused_naming_the_file_and_key(self):
        cases = {
            "not-json": ("{\"schema\": ", "not valid JSON"),
            "other-schema": (json.dumps({"schema": "profgate.profile/1"}), "schema"),
            "bad-unit": (None, "benchmarks[0] (\"s1\").metrics[0].unit: unknown unit"),
            "missing-verdict": (None, "benchmarks[1] (\"s3\").verdict: missing"),
            "unsafe-name": (None, "'../s1' is not a safe benchmark name"),
            "path-outside": (None, "files.profile '../../etc/passwd' is not a file of the benchmark's folder"),
        }
        for name, (text, needle) in cases.items():
            with self.subTest(case=name):
                copy = self.copy_shard(2, name)
                if text is not None:
                    with open(os.path.join(copy, "result.json"), "w") as f:
                        f.write(text)
                else:
                    r = self.load(copy)
                    if name == "bad-unit":
                        r["benchmarks"][0]["metrics"][0]["unit"] = "furlongs"
                    elif name == "missing-verdict":
                        del r["benchmarks"][1]["verdict"]
                    elif name == "unsafe-name":
                        r["benchmarks"][0]["name"] = "../s1"
                    else:
                        r["benchmarks"][0]["files"]["profile"] = "../../etc/passwd"
                    self.save(copy, r)
                out = os.path.join(self.tmp, "m-" + name)
                line = self.refused("--out", out, self.shard[1], copy, needles=(copy, needle))
                self.assertFalse(os.path.exists(os.path.join(out, "result.json")), line)
        self.refused("--out", os.path.join(self.tmp, "m"), self.shard[1], os.path.join(self.tmp, "nowhere"),
                     needles=(os.path.join(self.tmp, "nowhere", "result.json"),))

    def test_a_listed_file_that_is_missing_is_refused(self):
        copy = self.copy_shard(2, "lost")
        os.unlink(os.path.join(copy, REGRESSED, "diff-mem.html"))
        self.refused("--out", os.path.join(self.tmp, "m"), self.shard[1], copy,
                     needles=(os.path.join(copy, REGRESSED, "diff-mem.html"),))

    def test_links_inside_a_benchmark_folder_are_not_followed(self):
        secret = os.path.join(self.tmp, "secret")
        with open(secret, "w") as f:
            f.write("secret\n")
        for kind in ("file", "folder"):
            with self.subTest(kind=kind):
                copy = self.copy_shard(2, "links-" + kind)
                if kind == "file":
                    os.symlink(secret, os.path.join(copy, "s3", "extra.txt"))
                    needle = os.path.join(copy, "s3", "extra.txt")
                else:
                    shutil.rmtree(os.path.join(copy, "s3"))
                    os.symlink(os.path.join(self.shard[2], "s3"), os.path.join(copy, "s3"))
                    needle = os.path.join(copy, "s3")
                out = os.path.join(self.tmp, "m-" + kind)
                self.refused("--out", out, self.shard[1], copy, needles=(needle, "symbolic link"))
                self.assertFalse(os.path.exists(os.path.join(out, "s3", "extra.txt")))

    def test_an_output_folder_that_is_a_symlink_is_refused(self):
        real = os.path.join(self.tmp, "real")
        os.makedirs(real)
        link = os.path.join(self.tmp, "link")
        os.symlink(real, link)
        self.refused("--out", link, self.shard[1], self.shard[2], needles=(link, "symbolic link"))
        self.assertEqual(os.listdir(real), [])

    # -- the command line ------------------------------------------------------------

    def test_help_and_usage_errors(self):
        result = self.merge("--help", expect=0)
        text = result.stdout.decode()
        for option in ("--out", "--report-url", "--partial", "--config", "SHARD_DIR"):
            self.assertIn(option, text)
        self.assertIn("merge-reports", self.merge("-h", expect=0).stdout.decode())
        listing = self.pg("help").stdout.decode()
        self.assertRegex(listing, r"\n  merge-reports +\S")
        self.assertIn("--partial", self.pg("help", "merge-reports").stdout.decode())
        for args, needle in ((["--nosuch", self.shard[1]], "--nosuch"), ([], "report folders"),
                             (["--out", "", self.shard[1]], "--out"), (["--out"], "--out")):
            with self.subTest(args=args):
                self.refused(*args, needles=(needle,))


if __name__ == "__main__":
    unittest.main(verbosity=2)
