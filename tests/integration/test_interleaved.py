"""profgate check in interleaved mode, end to end, in throwaway git
repositories with a `build` command: the merge-base is checked out into a
temporary worktree, both trees are built, and each benchmark is measured on
both sides, pair by pair.

- an unchanged branch passes (0); a slower function regresses (1), named in
  summary.md, with the paired estimate, interval and pairs in every report;
- the base's build failing is inconclusive (3), its stderr and the command
  shown; the head's build failing is an error (2);
- a benchmark the base does not have is "new", not an error;
- a function share beyond its threshold that the first sampled pairs do not
  decide gets more sampled pairs, not an inconclusive check;
- the worktree is gone after the check, after SIGTERM mid-check and after
  SIGKILL (the janitor);
- `--compare baseline` and a config without `build` use stored baselines;
- `--calibrate` writes the noise floor and a suggestion;
- config mistakes in `build` and `compare` exit 2 with one line.
"""

import glob
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pgtest import ProfgateTestCase, RUN_TIMEOUT, WORK_BUILD_SH, WORK_PARTS_C, git, work_c, write_file  # noqa: E402


# The work program, counting its runs in $WOBBLE_COUNTER: the head's run of
# the first sampled pair gives changed_part three times the work.
WOBBLE_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
""" + WORK_PARTS_C + r"""int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 15000000, k = 0;
	const char *path = getenv("WOBBLE_COUNTER");
	char cwd[4096];
	FILE *f = path ? fopen(path, "r") : NULL;

	if (f) {
		if (fscanf(f, "%ld", &k) != 1)
			k = 0;
		fclose(f);
	}
	if (path && (f = fopen(path, "w"))) {
		fprintf(f, "%ld\n", k + 1);
		fclose(f);
	}
	int base = getcwd(cwd, sizeof cwd) && strstr(cwd, "profgate-base");
	steady_part(n);
	changed_part(!base && (k == 2 || k == 3) ? 3 * n : n);
	return 0;
}
"""


class InterleavedTest(ProfgateTestCase):

    def setUp(self):
        super().setUp()
        self.repo = os.path.join(self.tmp, "repo")
        self.scratch = os.path.join(self.tmp, "scratch")   # TMPDIR of profgate
        os.makedirs(self.repo)
        os.makedirs(self.scratch)
        self.out = os.path.join(self.tmp, "report")
        git(self.repo, "init", "-q", "-b", "main")
        self.write("work.c", work_c())
        self.write("build.sh", WORK_BUILD_SH, mode=0o755)
        self.write(".gitignore", "out/\n")
        self.write_config()
        git(self.repo, "add", "-A")
        git(self.repo, "commit", "-q", "-m", "base")

    # -- helpers --------------------------------------------------------------

    def write(self, name, text, mode=None):
        write_file(os.path.join(self.repo, name), text, mode)

    def config(self, benchmarks=None, **top):
        config = {"build": {"run": ["./build.sh"], "env": {"CC": os.environ.get("PG_CC", "cc")}},
                  "store": ".baselines",
                  "defaults": {"repeat": 6, "mem_repeat": 1, "warmup": 1, "timeout": 60,
                               "max_repeat": 12,
                               "thresholds": {"wall": "off", "cpu": "30%", "function": "off",
                                              "peak_rss": "off"}},
                  "benchmarks": benchmarks or [{"name": "work", "run": ["./out/work"]}]}
        config.update(top)
        return config

    def write_config(self, benchmarks=None, **top):
        self.write("profgate.json", json.dumps(self.config(benchmarks, **top), indent=2))

    def commit_change(self, message, scale=None, files=None):
        git(self.repo, "checkout", "-q", "-B", "change")
        if scale is not None:
            self.write("work.c", work_c(scale))
        for name, text in (files or {}).items():
            self.write(name, text)
        self.write("change.txt", message + "\n")
        git(self.repo, "add", "-A")
        git(self.repo, "commit", "-q", "-m", message)

    def env(self):
        env = dict(os.environ)
        for key in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
            env.pop(key, None)
        env["TMPDIR"] = self.scratch
        return env

    def check(self, *args, expect):
        result = self.run_raw(["check", "--base", "main", "--out", self.out] + list(args),
                              cwd=self.repo, env=self.env())
        self.assertEqual(result.returncode, expect, "expected exit status %d\n%s"
                         % (expect, self.describe(result)))
        return result

    def report(self):
        with open(os.path.join(self.out, "result.json")) as f:
            result = json.load(f)
        with open(os.path.join(self.out, "summary.md")) as f:
            summary = f.read()
        return result, summary

    def assert_no_worktree(self, pattern="profgate-*"):
        self.assertEqual(git(self.repo, "worktree", "list", "--porcelain").count("worktree "), 1,
                         git(self.repo, "worktree", "list"))
        self.assertEqual(glob.glob(os.path.join(self.scratch, pattern)), [])

    # -- tests ---------------------------------------------------------------

    def test_unchanged_branch_passes_and_the_worktree_is_removed(self):
        self.commit_change("docs only")
        result = self.check(expect=0)
        report, summary = self.report()
        self.assertEqual(report["compare"], "interleaved")
        bench = report["benchmarks"][0]
        cpu = [m for m in bench["metrics"] if m["metric"] == "cpu"][0]
        self.assertEqual(cpu["verdict"], "unchanged")
        self.assertGreaterEqual(cpu["pairs"], 6)
        # The upper bound decides "unchanged" (below the 30% threshold); the
        # lower bound exists from 8 pairs on.
        self.assertLess(cpu["ci_high"], 0.3)
        if cpu["pairs"] >= 8:
            self.assertLess(cpu["ci_low"], cpu["ci_high"])
        else:
            self.assertIsNone(cpu["ci_low"])
        self.assertEqual(len(cpu["baseline_runs"]), cpu["pairs"])
        self.assertEqual(bench["runs"]["pairs"], cpu["pairs"])
        # Progress: side, benchmark, pair k of n, running estimate.
        self.assertRegex(result.stderr, r"\[1/1\] work  pair 6/6 \((base|head) first\)  cpu [+-]\d+\.\d%")
        self.assertIn("building the base", result.stderr)
        self.assertRegex(summary, r"`work` \| unchanged \| [^|]+ \| [\d.]+ ms \([+-]\d+\.\d% \[(?:[+-]\d+\.\d%|-inf), "
                                  r"[+-]\d+\.\d%\]\)")
        self.assert_no_worktree()

    def test_regression_exits_1_and_names_the_function(self):
        self.commit_change("three times the work in changed_part", scale=300)
        self.check(expect=1)
        report, summary = self.report()
        bench = report["benchmarks"][0]
        self.assertEqual(bench["verdict"], "regressed")
        cpu = [m for m in bench["metrics"] if m["metric"] == "cpu"][0]
        self.assertEqual(cpu["verdict"], "regressed")
        self.assertGreater(cpu["ci_low"], 0)
        self.assertGreater(cpu["estimate"], 0.5)
        self.assertIn("changed_part", summary)
        self.assertEqual(bench["functions"][0]["name"], "changed_part")
        self.assertIn("significant", bench["functions"][0])
        self.assertRegex(summary, r"\*\*regressed\*\*, \d+ pairs")
        # The base was measured here, not recorded earlier.
        self.assertIn("built and measured side by side in this job", summary)
        self.assertNotIn(", recorded ", summary)
        with open(os.path.join(self.out, "junit.xml")) as f:
            self.assertIn("pairs", f.read() + json.dumps(cpu))
        with open(os.path.join(self.out, "index.html")) as f:
            html = f.read()
        self.assertRegex(html, r"\d+ pairs")
        self.assertIn("built and measured side by side in this job", html)
        # The flame graph colours only the significant functions' frames.
        with open(os.path.join(self.out, "work", "diff-cpu.html")) as f:
            diff = f.read()
        self.assertIn('"significant":[', diff)
        self.assertIn("within noise", diff)
        self.assert_no_worktree()

    def test_regression_no_function_explains_gets_more_sampled_pairs(self):
        # At 40 Hz a sampled run has a handful of samples: no function's
        # change is significant from the first 2 sampled pairs, so the
        # regression gets up to repeat (6) of them.
        self.write_config(defaults={"repeat": 6, "mem_repeat": 1, "warmup": 1, "timeout": 60, "hz": 40,
                                    "max_repeat": 12,
                                    "thresholds": {"wall": "off", "cpu": "30%", "function": "off",
                                                   "peak_rss": "off"}})
        git(self.repo, "commit", "-q", "-am", "40 Hz")
        self.commit_change("three times the work in changed_part", scale=300)
        result = self.check(expect=1)
        self.assertRegex(result.stderr, r"\[1/1\] work  explaining: sampled pair 3/6 \((base|head) first\)")
        report, _ = self.report()
        runs = report["benchmarks"][0]["runs"]
        self.assertGreaterEqual(runs["current"], 3, runs)
        self.assertEqual(runs["current"], runs["baseline"], runs)
        self.assertLessEqual(runs["current"], 6, runs)

    def function_gate_config(self):
        """The hot-path gate alone (timing off), 3 sampled pairs of runs
        with about 400 samples each."""
        self.write_config(benchmarks=[{"name": "work", "run": ["./out/work", "150000000"]}],
                          defaults={"repeat": 7, "mem_repeat": 1, "warmup": 1, "timeout": 60,
                                    "thresholds": {"wall": "off", "cpu": "off", "function": "5pp",
                                                   "peak_rss": "off"}})
        git(self.repo, "commit", "-q", "-am", "the hot-path gate")

    def function_rows(self):
        report, _ = self.report()
        return {m["function"]: m for m in report["benchmarks"][0]["metrics"]
                if m["metric"] == "function"}

    def test_function_shares_are_decided_from_the_sampled_pairs(self):
        self.function_gate_config()
        # changed_part goes from half the samples to three quarters.
        self.commit_change("three times the work in changed_part", scale=300)
        self.check(expect=1)
        rows = self.function_rows()
        self.assertIn("changed_part", rows, rows)
        row = rows["changed_part"]
        self.assertEqual(row["verdict"], "regressed", row)
        self.assertIn("3 sampled pairs", row["note"])
        self.assertEqual(len(row["baseline_runs"]), 3)
        # steady_part's share fell by as much: not a regression, not an
        # improvement.
        self.assertEqual(rows["steady_part"]["verdict"], "unchanged", rows["steady_part"])

    def test_function_shares_of_an_unchanged_branch_pass(self):
        self.function_gate_config()
        self.commit_change("docs only")
        self.check(expect=0)
        rows = self.function_rows()
        self.assertEqual(rows["changed_part"]["verdict"], "unchanged", rows["changed_part"])
        self.assertIn("3 sampled pairs", rows["changed_part"]["note"])

    def test_function_share_left_undecided_gets_more_sampled_pairs(self):
        # An unchanged commit whose head happens to run heavy once: in the
        # first sampled pair the head's run (runs 2 and 3 of the benchmark,
        # after the memory pair; the program counts its runs in a file and
        # knows the base's run by its worktree) gives changed_part three
        # times the work. Two pairs then show changed_part +12 points on
        # average from differences of about 25 and 0: beyond the 5-point
        # threshold, but two pairs this far apart show nothing. The check
        # adds sampled pairs rather than settle for inconclusive, and they
        # bring the average back down.
        counter = os.path.join(self.tmp, "runs")
        self.write("work.c", WOBBLE_C)
        self.write_config(benchmarks=[{"name": "work", "run": ["./out/work", "150000000"],
                                       "env": {"WOBBLE_COUNTER": counter}}],
                          defaults={"repeat": 5, "mem_repeat": 1, "warmup": 1, "timeout": 60,
                                    "thresholds": {"wall": "off", "cpu": "off", "function": "5pp",
                                                   "peak_rss": "off"}})
        git(self.repo, "commit", "-q", "-am", "a program that counts its runs")
        self.commit_change("docs only")
        result = self.run_raw(["check", "--base", "main", "--out", self.out], cwd=self.repo, env=self.env())
        self.assertIn(result.returncode, (0, 3), self.describe(result))
        self.assertRegex(result.stderr, r"\[1/1\] work  deciding functions: sampled pair 3/5 \((base|head) first\)")
        rows = self.function_rows()
        row = rows["changed_part"]
        self.assertNotEqual(row["verdict"], "regressed", row)
        pairs = int(re.search(r"(\d+) sampled pairs", row["note"]).group(1))
        self.assertGreater(pairs, 2, row["note"])
        self.assertEqual(len(row["baseline_runs"]), pairs)

    def test_base_build_failing_is_inconclusive_with_its_stderr(self):
        # The base cannot build; the change fixes it.
        git(self.repo, "checkout", "-q", "main")
        self.write("work.c", "#error the base does not build\n" + work_c())
        git(self.repo, "commit", "-q", "-am", "broken")
        self.commit_change("fixed", files={"work.c": work_c()})
        result = self.check(expect=3)
        self.assertIn("the base does not build", result.stderr)
        self.assertIn("build.sh", result.stderr)
        self.assertIn("the build of the base", result.stderr)
        report, _ = self.report()
        self.assertEqual(report["verdict"], "inconclusive")
        self.assert_no_worktree()

    def test_head_build_failing_is_an_error(self):
        self.commit_change("broken", files={"work.c": "#error the head does not build\n" + work_c()})
        result = self.check(expect=2)
        self.assertIn("the head does not build", result.stderr)
        self.assert_no_worktree()

    def test_benchmark_missing_at_the_base_is_new(self):
        benches = [{"name": "work", "run": ["./out/work"]},
                   {"name": "extra", "run": ["./out/work", "5000000"]}]
        self.commit_change("a new benchmark",
                           files={"profgate.json": json.dumps(self.config(benches), indent=2)})
        self.check(expect=0)
        report, summary = self.report()
        verdicts = {b["name"]: b["verdict"] for b in report["benchmarks"]}
        self.assertEqual(verdicts["extra"], "new")
        self.assertIn(verdicts["work"], ("unchanged", "improved"))
        self.assertIn("extra", summary)
        self.assert_no_worktree()

    def interrupt(self, sig):
        """Starts a check of a slow benchmark, sends sig once pairs run."""
        self.commit_change("slow", files={"profgate.json": json.dumps(self.config(
            [{"name": "slow", "run": ["sleep", "0.4"]}]), indent=2)})
        git(self.repo, "checkout", "-q", "main")
        self.write("profgate.json", json.dumps(self.config([{"name": "slow", "run": ["sleep", "0.4"]}]),
                                               indent=2))
        git(self.repo, "commit", "-q", "-am", "slow at the base too")
        git(self.repo, "checkout", "-q", "change")
        git(self.repo, "merge", "-q", "main", "-m", "merge")
        err_path = os.path.join(self.tmp, "stderr")
        with open(err_path, "w") as err:
            proc = subprocess.Popen([self.profgate, "check", "--base", "main", "--out", self.out],
                                    cwd=self.repo, env=self.env(), stdout=subprocess.DEVNULL,
                                    stderr=err, start_new_session=True)
        try:
            deadline = time.time() + RUN_TIMEOUT
            while time.time() < deadline:
                with open(err_path) as f:
                    if "pair 1/" in f.read():
                        break
                time.sleep(0.05)
            worktrees = git(self.repo, "worktree", "list", "--porcelain").count("worktree ")
            self.assertEqual(worktrees, 2, "the base's worktree should exist while pairs run")
            proc.send_signal(sig)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        # The janitor removes it after a SIGKILL, asynchronously.
        deadline = time.time() + 30
        while time.time() < deadline and glob.glob(os.path.join(self.scratch, "profgate-base*")):
            time.sleep(0.1)
        with open(err_path) as f:
            return proc.returncode, f.read()

    def test_worktree_removed_after_sigterm(self):
        rc, stderr = self.interrupt(signal.SIGTERM)
        self.assertEqual(rc, -signal.SIGTERM, stderr)
        self.assertIn("interrupted", stderr)
        self.assert_no_worktree()

    def test_worktree_removed_after_sigkill(self):
        rc, stderr = self.interrupt(signal.SIGKILL)
        self.assertEqual(rc, -signal.SIGKILL, stderr)
        # The worktree; the run records' scratch folder of a killed
        # profgate stays, as in stored-baseline mode.
        self.assert_no_worktree("profgate-base*")

    def test_compare_baseline_and_no_build_use_stored_baselines(self):
        self.commit_change("docs only")
        subprocess.run(["./build.sh"], cwd=self.repo, check=True, timeout=60)
        result = self.check("--compare", "baseline", expect=3)
        self.assertIn("no baseline", result.stderr)
        report, _ = self.report()
        self.assertNotIn("compare", report)
        # --compare interleaved without "build": said, then stored baselines.
        config = self.config()
        del config["build"]
        self.write("profgate.json", json.dumps(config))
        result = self.check("--compare", "interleaved", expect=3)
        self.assertIn("interleaved mode needs \"build\"", result.stderr)

    def test_calibrate_writes_noise_floor_and_suggestion(self):
        result = self.run_raw(["check", "--calibrate", "--out", self.out], cwd=self.repo, env=self.env())
        self.assertEqual(result.returncode, 0, self.describe(result))
        with open(os.path.join(self.out, "calibration.json")) as f:
            cal = json.load(f)
        self.assertEqual(cal["schema"], "profgate.calibration/1")
        bench = cal["benchmarks"][0]
        self.assertEqual(bench["name"], "work")
        self.assertGreaterEqual(bench["pairs"], 12)
        cpu = bench["metrics"]["cpu"]
        # Head against itself: the interval lies at no change. A 95%
        # interval misses the true value 1 time in 20 by construction (more
        # on a loaded machine), so it may miss 0, but never by much.
        self.assertLessEqual(cpu["ci_low"], 0.05, cpu)
        self.assertGreaterEqual(cpu["ci_high"], -0.05, cpu)
        self.assertLess(cpu["ci_low"], cpu["ci_high"], cpu)
        self.assertGreater(cpu["noise_floor"], 0)
        self.assertRegex(bench["suggestion"]["thresholds"]["cpu"], r"^\d+\.\d%$")
        self.assertIn("suggested threshold", result.stderr)

    def test_config_mistakes_exit_2_with_one_line(self):
        for top, needle in (({"compare": "sideways"}, "compare"),
                            ({"build": {"run": "make"}}, "build.run"),
                            ({"build": {"run": ["make"], "dir": "x"}}, "unknown key 'dir'")):
            self.write("profgate.json", json.dumps(self.config(**top)))
            result = self.check(expect=2)
            lines = result.stderr_lines()
            self.assertEqual(len(lines), 1, result.stderr)
            self.assertIn("profgate.json", lines[0])
            self.assertIn(needle, lines[0])
        self.write_config()
        result = self.check("--compare", "both", expect=2)
        self.assertIn("--compare", result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
