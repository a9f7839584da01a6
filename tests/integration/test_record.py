"""Integration tests of `profgate record` and `profgate baseline`: the real
profgate ($PROFGATE) runs the target programs of tests/targets as the
benchmarks of a profgate.json inside a throwaway git repository (made with
the git program), and the baseline it stores is checked against docs/baselines.md: the
directory store and the git-notes store (which must travel to a clone),
merging of sharded records, failing benchmarks, config errors, a dirty
tree, --commit and a detached HEAD, and list/show/rm with a corrupt or
foreign file in the store."""

import json
import os
import re
import subprocess
import unittest

from pgtest import git, ProfgateTestCase

PROGRESS = re.compile(r"^\[(\d+)/(\d+)\] (\S+)  (warmup|run|mem) (\d+)/(\d+)  \d+\.\d\d s$")


class RecordTest(ProfgateTestCase):

    def setUp(self):
        super().setUp()
        self.repo = os.path.join(self.tmp, "repo")
        os.makedirs(self.repo)
        git(self.repo, "init", "-q", "-b", "main")
        with open(os.path.join(self.repo, "code.c"), "w") as f:
            f.write("int main(void) { return 0; }\n")
        git(self.repo, "add", "code.c")
        git(self.repo, "commit", "-q", "-m", "first")
        with open(os.path.join(self.repo, "code.c"), "a") as f:
            f.write("/* second */\n")
        git(self.repo, "commit", "-q", "-am", "second")
        self.head = git(self.repo, "rev-parse", "HEAD")

    # -- helpers --------------------------------------------------------------

    def bench(self, name, target, *args, **settings):
        b = {"name": name, "run": [self.target(target)] + list(args)}
        b.update(settings)
        return b

    def write_config(self, benchmarks, path=None, **top):
        config = {"defaults": {"repeat": 2, "mem_repeat": 1, "warmup": 1, "timeout": 60}}
        config.update(top)
        config["benchmarks"] = benchmarks
        path = path or os.path.join(self.repo, "profgate.json")
        with open(path, "w") as f:
            json.dump(config, f, indent=2)
        return path

    def two_benchmarks(self):
        return self.write_config([self.bench("ok", "pg_exit_code", "0"),
                                  self.bench("ok2", "pg_exit_code", "0", repeat=1)])

    def pg(self, *args, cwd=None):
        return self.run_raw(list(args), cwd=cwd or self.repo)

    def record(self, *args, expect=0, cwd=None):
        result = self.pg("record", *args, cwd=cwd)
        self.assert_exit(result, expect)
        return result

    def stored(self, commit=None, store=".profgate/baselines"):
        path = os.path.join(self.repo, store, (commit or self.head) + ".json")
        self.assertTrue(os.path.isfile(path), "no baseline file %s" % path)
        with open(path) as f:
            return json.load(f)

    def note(self, commit=None, ref="refs/notes/profgate", repo=None):
        return json.loads(git(repo or self.repo, "notes", "--ref=" + ref, "show", commit or self.head))

    # -- record -----------------------------------------------------------------

    def test_record_stores_the_baseline_of_head(self):
        self.two_benchmarks()
        result = self.record()
        b = self.stored()
        self.assertEqual(b["schema"], "profgate.baseline/1")
        self.assertEqual(b["commit"], self.head)
        self.assertIs(b["dirty"], False)
        self.assertRegex(b["profgate_version"], r"\d+\.\d+")
        self.assertRegex(b["recorded_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        for key in ("hostname", "cpu_model", "cpus", "kernel", "arch", "fingerprint"):
            self.assertIn(key, b["host"])
        self.assertEqual(sorted(b["benchmarks"]), ["ok", "ok2"])
        ok = b["benchmarks"]["ok"]
        self.assertEqual(len(ok["runs"]), 2)
        self.assertEqual(len(ok["mem_runs"]), 1)
        self.assertEqual(len(ok["warmup_wall_seconds"]), 1)
        self.assertEqual(len(b["benchmarks"]["ok2"]["runs"]), 1)
        for run in ok["runs"]:
            self.assertGreater(run["wall_seconds"], 0.03)
            self.assertGreater(run["samples"], 5)
        for run in ok["mem_runs"]:
            for key in ("peak_heap_bytes", "alloc_count", "alloc_bytes", "leaked_bytes"):
                value = run[key]
                self.assertTrue(value is None or (isinstance(value, int) and value >= 0),
                                "%s is %r: a count or null, never made up" % (key, value))
        names = [h["name"] for h in ok["hot_functions"]]
        self.assertIn("exit_code_work", names)
        self.assertEqual(ok["cpu"]["runs"], 2)
        self.assertEqual(ok["cpu"]["total"], sum(r["samples"] for r in ok["runs"]))
        self.assertGreater(len(ok["cpu"]["frames"]), 0)
        self.assertEqual(ok["cpu"]["frames"][0], "pg_exit_code")
        # Progress: plain lines when stderr is not a terminal.
        self.assertNotIn("\r", result.stderr)
        lines = [l for l in result.stderr_lines() if PROGRESS.match(l)]
        self.assertIn("[1/2] ok  run 2/2", "\n".join(lines))
        self.assertIn("[2/2] ok2  mem 1/1", "\n".join(lines))
        self.assertIn(self.head, result.stderr)
        # The temporary work folder is gone.
        self.assertEqual([n for n in os.listdir(self.repo) if n.startswith("profgate-record")], [])

    def test_git_notes_baselines_travel_to_a_clone(self):
        self.two_benchmarks()
        self.record("--store", "git-notes")
        self.assertEqual(sorted(self.note()["benchmarks"]), ["ok", "ok2"])
        self.assertFalse(os.path.exists(os.path.join(self.repo, ".profgate")))

        clone = os.path.join(self.tmp, "clone")
        subprocess.run(["git", "clone", "-q", self.repo, clone], check=True, timeout=60)
        result = self.pg("baseline", "show", "HEAD", "--store", "git-notes", cwd=clone)
        self.assert_exit(result, 2)
        self.assertIn("no baseline", result.stderr)
        git(clone, "fetch", "-q", "origin", "refs/notes/profgate:refs/notes/profgate")
        result = self.pg("baseline", "show", "HEAD", "--store", "git-notes", cwd=clone)
        self.assert_exit(result, 0)
        text = result.stdout.decode()
        self.assertIn(self.head, text)
        self.assertIn("ok2", text)
        result = self.pg("baseline", "list", "--store", "git-notes", cwd=clone)
        self.assert_exit(result, 0)
        self.assertIn(self.head[:12], result.stdout.decode())
        self.assertIn("refs/notes/profgate", result.stdout.decode())

    def test_sharded_records_of_one_commit_merge(self):
        self.two_benchmarks()
        for store in ("git-notes:refs/notes/perf", ".profgate/baselines"):
            with self.subTest(store=store):
                self.record("--bench", "ok2", "--store", store)
                self.record("--bench", "ok", "--store", store)
                got = self.note(ref="refs/notes/perf") if store.startswith("git-notes") else self.stored()
                self.assertEqual(sorted(got["benchmarks"]), ["ok", "ok2"])

    def test_recording_a_commit_again_says_what_it_replaces(self):
        self.two_benchmarks()
        first = self.record("--bench", "ok2")
        self.assertNotIn("already recorded", first.stderr)
        again = self.record()
        self.assertIn("commit already recorded: replacing its benchmark(s) ok2", again.stderr)
        self.assertEqual(sorted(self.stored()["benchmarks"]), ["ok", "ok2"])

    def test_a_failing_benchmark_is_named_and_not_recorded(self):
        self.write_config([self.bench("good", "pg_exit_code", "0"),
                           self.bench("exits", "pg_exit_code", "3"),
                           self.bench("usage", "pg_exit_code", warmup=0),
                           self.bench("crashes", "pg_crasher", warmup=0, repeat=1)])
        result = self.record(expect=2)
        self.assertRegex(result.stderr, r"benchmark 'exits' failed: warmup 1/1 exited with status 3")
        self.assertRegex(result.stderr, r"benchmark 'usage' failed: run 1/2 exited with status 2")
        self.assertIn("usage: pg_exit_code N", result.stderr)  # its stderr
        self.assertRegex(result.stderr, r"benchmark 'crashes' failed: run 1/1 killed by signal 11")
        self.assertIn("3 of 4 benchmarks failed", result.stderr)
        self.assertEqual(list(self.stored()["benchmarks"]), ["good"])

    def test_config_errors_are_one_line_and_exit_2(self):
        cases = [
            ({"name": "a", "run": ["./x"], "repaet": 3}, "unknown key 'repaet'"),
            ({"name": "../a", "run": ["./x"]}, "not a safe benchmark name"),
            ({"name": "a", "run": ["./x"], "thresholds": {"wall": "fast"}}, "thresholds.wall"),
            ({"name": "a", "run": "./x --fast"}, "no shell"),
        ]
        for bench, needle in cases:
            with self.subTest(needle=needle):
                self.write_config([bench])
                result = self.record(expect=2)
                lines = result.stderr_lines()
                self.assertEqual(len(lines), 1, self.describe(result))
                self.assertIn("profgate.json", lines[0])
                self.assertIn("benchmarks[0]", lines[0])
                self.assertIn(needle, lines[0])
        result = self.record("-c", "missing.json", expect=2)
        self.assertIn("missing.json", result.stderr)
        self.two_benchmarks()
        result = self.record("--bench", "nope", expect=2)
        self.assertIn("no benchmark 'nope'", result.stderr)
        result = self.record("extra", expect=2)
        self.assertEqual(len(result.stderr_lines()), 1)

    def test_a_dirty_tree_is_recorded_with_a_warning(self):
        self.two_benchmarks()
        with open(os.path.join(self.repo, "code.c"), "a") as f:
            f.write("/* uncommitted */\n")
        result = self.record("--bench", "ok2")
        self.assertRegex(result.stderr, r"warning: .*uncommitted changes")
        b = self.stored()
        self.assertIs(b["dirty"], True)
        self.assertIs(b["benchmarks"]["ok2"]["dirty"], True)

    def test_commit_option_and_detached_head(self):
        self.two_benchmarks()
        first = git(self.repo, "rev-parse", "HEAD~1")
        result = self.record("--bench", "ok2", "--commit", "HEAD~1")
        self.assertIn("not HEAD", result.stderr)
        self.assertEqual(self.stored(first)["commit"], first)
        git(self.repo, "checkout", "-q", "--detach", "HEAD~1")
        os.remove(os.path.join(self.repo, ".profgate/baselines", first + ".json"))
        result = self.record("--bench", "ok2")
        self.assertNotIn("warning", result.stderr)
        self.assertEqual(self.stored(first)["commit"], first)
        result = self.record("--commit", "no-such-rev", expect=2)
        self.assertIn("no-such-rev", result.stderr)

    def test_outside_a_repository_is_an_error(self):
        bare_dir = os.path.join(self.tmp, "norepo")
        os.makedirs(bare_dir)
        self.write_config([self.bench("ok", "pg_exit_code", "0")],
                          path=os.path.join(bare_dir, "profgate.json"))
        result = self.record(cwd=bare_dir, expect=2)
        self.assertIn("not inside a git repository", result.stderr)

    # -- baseline -------------------------------------------------------------

    def test_baseline_list_show_rm(self):
        self.two_benchmarks()
        self.record("--bench", "ok2")
        path = os.path.join(self.repo, ".profgate/baselines", self.head + ".json")

        result = self.pg("baseline", "list")
        self.assert_exit(result, 0)
        out = result.stdout.decode()
        self.assertIn(self.head[:12], out)
        self.assertIn(path, out)
        result = self.pg("baseline", "list", "--json")
        self.assert_exit(result, 0)
        entries = json.loads(result.stdout)
        self.assertEqual(entries[0]["commit"], self.head)
        self.assertEqual(entries[0]["benchmarks"], ["ok2"])
        self.assertEqual(entries[0]["size"], os.path.getsize(path))

        result = self.pg("baseline", "show", "HEAD")
        self.assert_exit(result, 0)
        out = result.stdout.decode()
        for needle in (self.head, "ok2", "wall", "median", "exit_code_work"):
            self.assertIn(needle, out)
        result = self.pg("baseline", "show", "--json", self.head[:10])
        self.assert_exit(result, 0)
        with open(path, "rb") as f:
            self.assertEqual(json.loads(result.stdout), json.loads(f.read()))

        result = self.pg("baseline", "rm", "HEAD")
        self.assert_exit(result, 0)
        self.assertFalse(os.path.exists(path))
        for sub in ("show", "rm"):
            result = self.pg("baseline", sub, "HEAD")
            self.assert_exit(result, 2)
            self.assertIn("no baseline", result.stderr)
        result = self.pg("baseline", "frobnicate")
        self.assert_exit(result, 2)

    def test_a_corrupt_or_foreign_file_is_named_and_the_others_still_work(self):
        self.two_benchmarks()
        self.record("--bench", "ok2")
        store = os.path.join(self.repo, ".profgate/baselines")
        corrupt = os.path.join(store, "0" * 40 + ".json")
        foreign = os.path.join(store, "README.txt")
        other_schema = os.path.join(store, "1" * 40 + ".json")
        with open(corrupt, "w") as f:
            f.write('{"schema": "profgate.baseline/1", "commit": ')
        with open(foreign, "w") as f:
            f.write("hello\n")
        with open(other_schema, "w") as f:
            json.dump({"schema": "profgate.profile/1"}, f)

        result = self.pg("baseline", "list")
        self.assert_exit(result, 2)
        for path in (corrupt, foreign, other_schema):
            self.assertIn(path, result.stderr)
        self.assertIn(self.head[:12], result.stdout.decode())
        result = self.pg("baseline", "show", "HEAD")
        self.assert_exit(result, 0)
        result = self.pg("baseline", "show", "0" * 40)
        self.assert_exit(result, 2)
        self.assertIn(corrupt, result.stderr)
        # Recording into a corrupt baseline is refused, never overwritten.
        mine = os.path.join(store, self.head + ".json")
        with open(mine, "w") as f:
            f.write("garbage")
        result = self.record("--bench", "ok", expect=2)
        self.assertIn(mine, result.stderr)
        self.assertIn("baseline rm", result.stderr)
        with open(mine) as f:
            self.assertEqual(f.read(), "garbage")


if __name__ == "__main__":
    unittest.main(verbosity=2)
