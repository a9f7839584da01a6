"""Integration tests of `profgate check`, end to end: the real profgate
($PROFGATE) runs the target programs of tests/targets as the benchmarks of a
profgate.json in throwaway git repositories (made with the git program). A
baseline is recorded on main, and branches are checked against it:

- a regressing branch (pg_check_cpu with PG_SLOW_FACTOR: more work in
  hot_path() only; pg_check_heap with PG_GROW=1: a new 256 KiB block in
  grow_cache()): exit 1, the functions named, every report file written,
  GITHUB_STEP_SUMMARY appended and ::error annotations under GitHub Actions;
- an unchanged branch: exit 0;
- no baseline, a base revision that does not exist, a shallow clone: exit 3
  with a message that says how to fix it, and the current profiles written;
- noisy runs (pg_check_noisy, whose work follows a sequence the test
  chooses): inconclusive, exit 3, with the runs that would decide it;
- a benchmark that fails: exit 2, never 1;
- --shard, --bench, --store git-notes, usage errors.

The verdicts must not depend on how busy the machine running the tests is:
the test config does not gate wall time (other processes can stretch it
any amount; check_gate and check_verdict test its verdicts), its CPU
threshold is 25% instead of the default 10%, its hot-path threshold 10pp
instead of 5pp (a run of 0.2 s has about 200 samples: a share of 20% moves
by 3 points from run to run), and the regression is large (+60% of
hot_path's work). bench/check_repeatability.py measures the defaults.

Nor does it gate peak RSS: the runner takes it from wait4's ru_maxrss,
which Linux never lets fall below the RSS profgate itself had when it
forked the run (exec folds the old address space's high-water mark into
the process's), so a check that holds more memory than the record did (an
ASan build: 15 MB against 12 MB) sees every small program's RSS "grow"."""

import json
import os
import re
import subprocess
import unittest

from pgtest import GIT_ENV, git, ProfgateTestCase

REPORT_FILES = ("summary.md", "result.json", "junit.xml", "index.html")


class CheckTest(ProfgateTestCase):

    def setUp(self):
        super().setUp()
        self.repo = os.path.join(self.tmp, "repo")
        os.makedirs(self.repo)
        git(self.repo, "init", "-q", "-b", "main")
        with open(os.path.join(self.repo, ".gitignore"), "w") as f:
            f.write("profgate.json\n.profgate/\nprofgate-report/\nnoise-state\n")
        git(self.repo, "add", ".gitignore")
        git(self.repo, "commit", "-q", "-m", "first")
        self.out = os.path.join(self.tmp, "report")

    # -- helpers --------------------------------------------------------------

    def cpu_bench(self, **env):
        return {"name": "cpu", "run": [self.target("pg_check_cpu"), "200"], "env": env}

    def heap_bench(self, **env):
        # The memory gate's benchmark gates memory only. Most of its CPU
        # besides compute() is the kernel's page faults and memset, which
        # follow the machine's load: its [kernel] share moved from 7.7% to
        # 18.5%, and its CPU time by +38.9% under ASan, between a record and
        # a check of the same code on a busy CI machine. The CPU verdicts are
        # cpu_bench's; peak heap and heap per function (function_heap) are
        # gated here.
        return {"name": "heap", "run": [self.target("pg_check_heap")], "env": env,
                "thresholds": {"cpu": "off", "function": "off"}}

    def write_config(self, benchmarks, **top):
        config = {"defaults": {"repeat": 5, "mem_repeat": 2, "warmup": 1, "timeout": 60,
                               "thresholds": {"wall": "off", "cpu": "25%", "function": "10pp",
                                              "peak_rss": "off"}}}
        config.update(top)
        config["benchmarks"] = benchmarks
        with open(os.path.join(self.repo, "profgate.json"), "w") as f:
            json.dump(config, f, indent=2)

    def pg(self, *args, env=None, cwd=None):
        full_env = dict(os.environ)
        for key in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
            full_env.pop(key, None)
        full_env.update(env or {})
        return self.run_raw(list(args), cwd=cwd or self.repo, env=full_env)

    def record(self, *args):
        result = self.pg("record", "-q", *args)
        self.assert_exit(result, 0)
        return result

    def branch(self, name):
        git(self.repo, "checkout", "-q", "-b", name)
        with open(os.path.join(self.repo, "change.txt"), "w") as f:
            f.write(name + "\n")
        git(self.repo, "add", "change.txt")
        git(self.repo, "commit", "-q", "-m", name)

    def check(self, *args, expect, env=None, cwd=None):
        result = self.pg("check", "--out", self.out, *args, env=env, cwd=cwd)
        self.assertEqual(result.returncode, expect, "expected exit status %d\n%s\nstdout:\n%s%s"
                         % (expect, self.describe(result), result.stdout.decode(errors="replace"),
                            self.report_text()))
        return result

    def report_text(self):
        path = os.path.join(self.out, "summary.md")
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                return "\nsummary.md:\n" + f.read()[:6000]
        return "\n(no summary.md)"

    def result_json(self):
        with open(os.path.join(self.out, "result.json"), encoding="utf-8") as f:
            return json.load(f)

    def summary(self):
        with open(os.path.join(self.out, "summary.md"), encoding="utf-8") as f:
            return f.read()

    @staticmethod
    def bench_of(result, name):
        for b in result["benchmarks"]:
            if b["name"] == name:
                return b
        raise AssertionError("no benchmark %r in result.json" % name)

    @staticmethod
    def metric_of(bench, metric, function=None):
        for m in bench["metrics"]:
            if m["metric"] == metric and m["function"] == function:
                return m
        raise AssertionError("no metric %s %s in %s" % (metric, function, bench["name"]))

    def assert_reports(self):
        for name in REPORT_FILES:
            path = os.path.join(self.out, name)
            self.assertTrue(os.path.isfile(path) and os.path.getsize(path) > 0,
                            "%s was not written" % path)
        with open(os.path.join(self.out, "summary.md"), encoding="utf-8") as f:
            self.assertLess(len(f.read()), 65536)

    # -- verdicts ---------------------------------------------------------------

    def test_regressing_branch_fails_and_names_the_function(self):
        self.write_config([self.cpu_bench(), self.heap_bench()])
        self.record()
        base = git(self.repo, "rev-parse", "HEAD")
        self.branch("slow")
        self.write_config([self.cpu_bench(PG_SLOW_FACTOR="1.6"), self.heap_bench(PG_GROW="1")])
        step_summary = os.path.join(self.tmp, "step-summary.md")
        with open(step_summary, "w") as f:
            f.write("earlier step\n")
        result = self.check("--report-url", "https://ci.example/run 1", expect=1,
                            env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": step_summary})
        self.assert_reports()
        r = self.result_json()
        self.assertEqual(r["verdict"], "regressed")
        self.assertEqual(r["exit_code"], 1)
        self.assertEqual(r["baseline"]["status"], "found")
        self.assertEqual(r["baseline"]["commit"], base)
        self.assertEqual(r["baseline"]["distance"], 0)

        cpu = self.bench_of(r, "cpu")
        self.assertEqual(cpu["verdict"], "regressed")
        self.assertEqual(self.metric_of(cpu, "cpu")["verdict"], "regressed")
        self.assertGreater(self.metric_of(cpu, "cpu")["ratio"], 1.25)
        self.assertEqual(cpu["functions"][0]["name"], "hot_path",
                         "hot_path should come first among the functions whose CPU time grew")
        heap = self.bench_of(r, "heap")
        self.assertEqual(heap["verdict"], "regressed")
        peak = self.metric_of(heap, "peak_heap")
        self.assertEqual(peak["verdict"], "regressed")
        self.assertTrue(peak["exact"], "a deterministic program's peak compares exactly")
        self.assertAlmostEqual(peak["ratio"], 1.05, delta=0.005)
        self.assertEqual(self.metric_of(heap, "function_heap", "grow_cache")["verdict"], "regressed")
        self.assertTrue(heap["memory_stacks"][0]["stack"].endswith(";grow_cache"),
                        heap["memory_stacks"])

        # The files of each benchmark.
        for bench in ("cpu", "heap"):
            for name in ("diff-cpu.html", "diff-mem.html", "report.html", "cpu.folded",
                         "mem-peak.folded"):
                path = os.path.join(self.out, bench, name)
                self.assertTrue(os.path.isfile(path) and os.path.getsize(path) > 0,
                                "%s was not written" % path)
        self.assertEqual(cpu["files"]["diff_cpu"], "cpu/diff-cpu.html")

        # The comment: verdict first, functions named, links under the URL.
        md = self.summary()
        first = md.splitlines()[0]
        self.assertIn("regression", first)
        self.assertIn("`cpu`", first)
        self.assertIn("`hot_path`", md)
        self.assertIn("`grow_cache`", md)
        self.assertIn("(https://ci.example/run%201/cpu/diff-cpu.html)", md)
        self.assertIn(base[:12], md)

        with open(os.path.join(self.out, "junit.xml"), encoding="utf-8") as f:
            junit = f.read()
        self.assertIn('<testcase classname="profgate.cpu" name="cpu">', junit)
        self.assertRegex(junit, r'<testcase classname="profgate.heap" name="peak_heap">\s*<failure')
        with open(os.path.join(self.out, "index.html"), encoding="utf-8") as f:
            self.assertIn('href="cpu/diff-cpu.html"', f.read())
        with open(step_summary, encoding="utf-8") as f:
            appended = f.read()
        self.assertTrue(appended.startswith("earlier step\n"))
        self.assertIn(first, appended)
        stdout = result.stdout.decode()
        annotations = [l for l in stdout.splitlines() if l.startswith("::error ")]
        self.assertTrue(any("cpu" in l for l in annotations), stdout)
        self.assertTrue(any("peak_heap" in l for l in annotations), stdout)

    def test_hot_path_gate_names_the_function_whose_share_rose(self):
        # The same total work, shifted from other_work() to hot_path():
        # 40% -> 70% of it, +30 points of share.
        bench = {"name": "split", "run": [self.target("pg_check_cpu"), "200", "40"], "mem_repeat": 0}
        self.write_config([bench])
        self.record()
        self.branch("shift")
        bench["run"][2] = "70"
        self.write_config([bench])
        self.check(expect=1)
        r = self.result_json()
        split = self.bench_of(r, "split")
        m = self.metric_of(split, "function", "hot_path")
        self.assertEqual(m["verdict"], "regressed", m)
        self.assertAlmostEqual(m["baseline"], 40, delta=6)
        self.assertAlmostEqual(m["current"], 70, delta=6)
        self.assertEqual(self.metric_of(split, "cpu")["verdict"], "unchanged")
        md = self.summary()
        self.assertRegex(md, r"\| CPU share of `hot_path` \| \d+\.\d% \| \d+\.\d% \| \+\d+\.\d pp \| 10pp \| "
                             r"\*\*regressed\*\*")

    def test_unchanged_branch_passes(self):
        self.write_config([self.cpu_bench(), self.heap_bench()])
        self.record()
        self.branch("docs")
        self.check(expect=0)
        self.assert_reports()
        r = self.result_json()
        self.assertEqual(r["verdict"], "passed")
        for b in r["benchmarks"]:
            self.assertIn(b["verdict"], ("unchanged", "improved"))
            self.assertTrue(os.path.isfile(os.path.join(self.out, b["name"], "diff-cpu.html")))
        self.assertEqual(self.metric_of(self.bench_of(r, "heap"), "peak_heap")["change"], 0)
        md = self.summary()
        self.assertIn("passed", md.splitlines()[0])
        self.assertIn("<details>", md)

    def test_system_cpu_time_is_a_metric_of_its_own(self):
        """sys_cpu (from wait4's ru_stime) is off by default and, once given
        a threshold, catches a change made of page faults that total CPU time
        would dilute."""
        churn = {"name": "churn", "run": [self.target("pg_sys_churn"), "32", "4"]}
        # cpu off too: the CPU time of this page-fault churn follows the
        # machine's load (an unchanged check of it read +27% beside the
        # ASan suite), and this part is about which metrics there are.
        self.write_config([churn], defaults={"repeat": 5, "mem_repeat": 2, "warmup": 1, "timeout": 60,
                                             "thresholds": {"wall": "off", "cpu": "off", "function": "off",
                                                            "peak_rss": "off"}})
        self.record()
        shown = self.pg("baseline", "show", "HEAD")
        self.assert_exit(shown, 0)
        self.assertRegex(shown.stdout.decode(), r"sys_cpu +median [0-9.]+ s")
        self.branch("same")
        self.check(expect=0)
        self.assertNotIn("sys_cpu", [m["metric"] for m in self.bench_of(self.result_json(), "churn")["metrics"]])

        config = {"defaults": {"repeat": 5, "mem_repeat": 0, "warmup": 1, "timeout": 60,
                               "thresholds": {"wall": "off", "cpu": "off", "function": "off",
                                              "peak_rss": "off", "sys_cpu": "30%"}},
                  "benchmarks": [churn]}
        with open(os.path.join(self.repo, "profgate.json"), "w") as f:
            json.dump(config, f, indent=2)
        self.branch("faults")
        # Four times the page faults: twice (sys_cpu +60% here) read as
        # unchanged once in CI, the baseline having been recorded while the
        # machine was at its busiest.
        self.check(env={"PG_SYS_MORE": "1"}, expect=1)
        m = self.metric_of(self.bench_of(self.result_json(), "churn"), "sys_cpu")
        self.assertEqual(m["verdict"], "regressed")
        self.assertGreater(m["current"], 1.5 * m["baseline"])
        self.assertIn("system CPU time", self.summary())

    def test_no_baseline_is_inconclusive_and_says_how_to_fix_it(self):
        self.write_config([self.heap_bench()])
        self.branch("feature")
        result = self.check(expect=3)
        self.assert_reports()
        r = self.result_json()
        self.assertEqual(r["verdict"], "inconclusive")
        self.assertEqual(r["baseline"]["status"], "none")
        self.assertIn("record", r["baseline"]["message"])
        self.assertIn("no baseline", result.stderr)
        self.assertEqual(self.bench_of(r, "heap")["verdict"], "inconclusive")
        self.assertTrue(os.path.isfile(os.path.join(self.out, "heap", "report.html")))
        self.assertFalse(os.path.exists(os.path.join(self.out, "heap", "diff-cpu.html")))
        self.assertIn("no baseline", self.summary().splitlines()[0])

    def test_missing_base_revision_is_inconclusive(self):
        self.write_config([self.heap_bench()])
        self.record()
        self.check("--base", "origin/nosuchbranch", expect=3)
        r = self.result_json()
        self.assertEqual(r["baseline"]["status"], "base-missing")
        self.assertIn("nosuchbranch", r["baseline"]["message"])

    def test_shallow_clone_is_inconclusive_with_fetch_advice(self):
        self.write_config([self.heap_bench()], store="git-notes")
        self.record()
        for i in range(4):
            self.branch("b%d" % i)
        clone = os.path.join(self.tmp, "clone")
        subprocess.run(["git", "clone", "-q", "--depth", "2", "file://" + self.repo, clone],
                       check=True, timeout=60, env=dict(os.environ, **GIT_ENV))
        git(clone, "fetch", "-q", "origin", "refs/notes/profgate:refs/notes/profgate")
        with open(os.path.join(self.repo, "profgate.json")) as f:
            config = f.read()
        with open(os.path.join(clone, "profgate.json"), "w") as f:
            f.write(config)
        self.check("--base", "HEAD", expect=3, cwd=clone)
        r = self.result_json()
        self.assertEqual(r["baseline"]["status"], "shallow")
        self.assertIn("fetch", r["baseline"]["message"])
        self.assertIn("fetch", self.summary())
        # With the whole history, the baseline is found.
        git(clone, "fetch", "-q", "--unshallow")
        self.check("--base", "HEAD", expect=0, cwd=clone)
        r = self.result_json()
        self.assertEqual(r["baseline"]["status"], "found")
        self.assertEqual(r["baseline"]["distance"], 4)

    def test_noisy_runs_without_direction_are_inconclusive_without_an_estimate(self):
        state = os.path.join(self.repo, "noise-state")
        noisy = {"name": "noisy", "run": [self.target("pg_check_noisy"), "40"], "warmup": 0,
                 "mem_repeat": 0}
        self.write_config([noisy])
        self.record()
        self.branch("noisy")
        # Two runs much faster than the baseline, three much slower: the
        # median is 60% up, but the ranks cannot tell that from noise, nor
        # say which way more runs would go.
        noisy["env"] = {"PG_NOISE_STATE": state, "PG_NOISE_SEQ": "0.6,1.6,0.65,1.7,1.65"}
        self.write_config([noisy])
        self.check(expect=3)
        r = self.result_json()
        self.assertEqual(r["verdict"], "inconclusive")
        cpu = self.metric_of(self.bench_of(r, "noisy"), "cpu")
        self.assertEqual(cpu["verdict"], "inconclusive", cpu)
        self.assertGreater(cpu["p_value"], 0.05)
        self.assertFalse(cpu["repeats_needed"])
        self.assertIn("the runs overlap", cpu["note"])
        self.assertNotIn("would decide", cpu["note"])
        self.assertIn("inconclusive", self.summary().splitlines()[0])

    def test_failing_benchmark_is_an_error_not_a_regression(self):
        self.write_config([self.heap_bench(), {"name": "fails", "run": [self.target("pg_exit_code"), "3"]}])
        self.record("--bench", "heap")
        result = self.check(expect=2)
        self.assertIn("fails", result.stderr)
        self.assertIn("exited with status 3", result.stderr)
        r = self.result_json()
        self.assertEqual(r["verdict"], "error")
        self.assertEqual(self.bench_of(r, "fails")["verdict"], "error")
        self.assertEqual(self.bench_of(r, "heap")["verdict"], "unchanged")
        with open(os.path.join(self.out, "junit.xml"), encoding="utf-8") as f:
            self.assertIn('<error type="benchmark"', f.read())

    def test_new_benchmark_without_baseline_is_inconclusive(self):
        self.write_config([self.heap_bench()])
        self.record()
        self.write_config([self.heap_bench(), {"name": "fresh", "run": [self.target("pg_check_heap"), "4"]}])
        self.check(expect=3)
        r = self.result_json()
        self.assertEqual(self.bench_of(r, "heap")["verdict"], "unchanged")
        fresh = self.bench_of(r, "fresh")
        self.assertEqual(fresh["verdict"], "inconclusive")
        self.assertIn("profgate record --bench fresh", fresh["message"])

    # -- selection, stores, usage ---------------------------------------------------

    def test_shards_partition_the_benchmarks(self):
        names = ["s%d" % i for i in range(5)]
        # One timing run each: timings could only ever be inconclusive, so
        # only the memory (exact) is gated here; this test is about shares.
        self.write_config([{"name": n, "run": [self.target("pg_check_heap"), "2"], "repeat": 1,
                            "mem_repeat": 1, "warmup": 0,
                            "thresholds": {"cpu": "off", "function": "off"}} for n in names])
        self.record()
        seen = []
        for k in (1, 2):
            self.check("--shard", "%d/2" % k, expect=0)
            r = self.result_json()
            self.assertEqual(r["shard"], {"index": k, "count": 2})
            seen.append([b["name"] for b in r["benchmarks"]])
        self.assertEqual(seen, [["s0", "s2", "s4"], ["s1", "s3"]])
        self.check("--bench", "s3", expect=0)
        self.assertEqual([b["name"] for b in self.result_json()["benchmarks"]], ["s3"])

    def test_usage_and_config_errors_exit_2(self):
        self.write_config([self.heap_bench()])
        for args, needle in ((["--shard", "3/2"], "--shard"), (["--shard", "x"], "--shard"),
                             (["--bench", "nope"], "nope"), (["--nosuch"], "--nosuch"),
                             (["-c", "missing.json"], "missing.json"), (["extra"], "extra")):
            with self.subTest(args=args):
                result = self.pg("check", "--out", self.out, *args)
                self.assert_exit(result, 2)
                lines = result.stderr_lines()
                self.assertEqual(len(lines), 1, self.describe(result))
                self.assertIn(needle, lines[0])
        result = self.pg("check", "--help")
        self.assert_exit(result, 0)
        text = result.stdout.decode()
        for option in ("--config", "--base", "--out", "--report-url", "--bench", "--shard", "--store"):
            self.assertIn(option, text)

    def test_outside_a_repository_is_an_error(self):
        elsewhere = os.path.join(self.tmp, "norepo")
        os.makedirs(elsewhere)
        with open(os.path.join(elsewhere, "profgate.json"), "w") as f:
            json.dump({"benchmarks": [self.heap_bench()]}, f)
        result = self.pg("check", "--out", self.out, cwd=elsewhere)
        self.assert_exit(result, 2)
        self.assertRegex(result.stderr, re.compile("repositor", re.I))


if __name__ == "__main__":
    unittest.main(verbosity=2)
