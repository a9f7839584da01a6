"""Integration tests of `profgate run`: exit statuses, the files of a profile
directory, profile.json's required fields, the folded format and the run
options. Runs the real profgate ($PROFGATE) on the programs of tests/targets
($PG_TARGETS)."""

import os
import subprocess
import time
import unittest

from pgtest import ProfgateTestCase, has_frame, processes_with_arg


class ExitStatusTest(ProfgateTestCase):
    """docs/commands.md: the command's own status, 128+N on signal N (profile still
    written), 124 on --timeout, 126 not executable, 127 not found."""

    def test_passes_through_the_programs_exit_status(self):
        for code in (0, 7, 42):
            with self.subTest(code=code):
                result = self.profile_run(os.path.join(self.tmp, "out-%d" % code),
                                          [self.target("pg_exit_code"), str(code)])
                self.assert_exit(result, code)
                profile = self.load_profile(result)
                self.assertEqual(profile["exit"]["code"], code, self.describe(result))
                self.assertIsNone(profile["exit"]["signal"], self.describe(result))

    def test_death_by_signal_gives_128_plus_signal_and_still_writes_profile(self):
        result = self.run_target([self.target("pg_crasher")])
        self.assert_exit(result, 128 + 11)
        profile = self.load_profile(result)
        self.assertEqual(profile["exit"]["signal"], 11,
                         "profile.json exit: %r\n%s" % (profile["exit"], self.describe(result)))
        folded = self.load_folded(result, roots=["pg_crasher"])
        self.assertGreater(folded.weight_with("crash_work"), 0,
                           "the work done before the crash is missing from cpu.folded\n"
                           + self.describe(result))

    def test_timeout_gives_124_and_stops_the_program(self):
        # A unique argument lets us find the spinner in /proc afterwards.
        token = "pg-it-spin-%d-%d" % (os.getpid(), time.monotonic_ns())
        result = self.run_target([self.target("pg_spin_forever"), token],
                                 options=["--timeout", "1"])
        try:
            self.assert_exit(result, 124)
            self.assertLess(result.elapsed, 10.0,
                            "--timeout 1 took %.1f s\n%s" % (result.elapsed, self.describe(result)))
            deadline = time.monotonic() + 3.0
            while processes_with_arg(token) and time.monotonic() < deadline:
                time.sleep(0.05)
            left = processes_with_arg(token)
            self.assertEqual(left, [], "the timed-out program is still running after "
                             "profgate exited\n" + self.describe(result))
            profile = self.load_profile(result)
            self.assertIs(profile["exit"]["timed_out"], True,
                          "profile.json exit: %r\n%s" % (profile["exit"], self.describe(result)))
        finally:
            for pid in processes_with_arg(token):
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass

    def test_missing_program_gives_127_with_one_line_on_stderr(self):
        programs = ("/nonexistent-pg-dir/pg_no_such_program",  # a path
                    "pg-no-such-program-on-path")              # looked up in PATH
        for i, program in enumerate(programs):
            with self.subTest(program=program):
                result = self.profile_run(os.path.join(self.tmp, "out-%d" % i), [program, "arg"])
                self.assert_exit(result, 127)
                lines = result.stderr_lines()
                self.assertEqual(len(lines), 1, "expected one line on stderr\n"
                                 + self.describe(result))
                self.assertIn(os.path.basename(program), lines[0],
                              "the error should name the program\n" + self.describe(result))

    def test_non_executable_file_gives_126_with_one_line_on_stderr(self):
        script = os.path.join(self.tmp, "not-executable.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\necho should not run\n")
        os.chmod(script, 0o644)  # no x bit: even root's execve fails with EACCES
        result = self.run_target([script])
        self.assert_exit(result, 126)
        self.assertNotIn(b"should not run", result.stdout)
        lines = result.stderr_lines()
        self.assertEqual(len(lines), 1, "expected one line on stderr\n" + self.describe(result))
        self.assertIn("not-executable.sh", lines[0],
                      "the error should name the file\n" + self.describe(result))


class ProfileContentsTest(ProfgateTestCase):
    """One profile of `pg_ratio31 1`, checked against docs/profile-json.md and
    folded format."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.command = [cls.target("pg_ratio31"), "1"]
        cls.result = cls.profile_run(os.path.join(cls.class_tmp(), "out"), cls.command)

    def setUp(self):
        super().setUp()
        self.assert_exit(self.result, 0)
        self.profile = self.load_profile(self.result)

    def test_writes_every_file_of_a_profile_directory(self):
        # mem-*.folded come with the allocation tracker and report.html with
        # the reporters: test_memory_files_match_what_profile_json_claims
        # keeps the memory side honest meanwhile.
        for name in ("profile.json", "cpu.folded"):
            self.assertTrue(os.path.isfile(os.path.join(self.result.out_dir, name)),
                            "%s is missing\n%s" % (name, self.describe(self.result)))

    def test_profile_json_has_the_required_fields(self):
        p = self.profile
        why = "\nprofile.json: %r\n%s" % (p, self.describe(self.result))
        self.assertEqual(p.get("schema"), "profgate.profile/1", why)
        self.assertEqual(p.get("command"), self.command, why)

        self.assertEqual(p["exit"], {**p["exit"], "code": 0, "signal": None, "timed_out": False}, why)
        for key in ("wall_seconds", "cpu_seconds"):
            self.assertIsInstance(p[key], (int, float), key + why)
        # pg_ratio31 1 burns one second of CPU.
        self.assertGreater(p["cpu_seconds"], 0.8, why)
        self.assertGreaterEqual(p["wall_seconds"], 0.8, why)

        cpu = p["cpu"]
        self.assertEqual(cpu["mode"], "cpu", why)
        self.assertEqual(cpu["hz"], 999, "default rate" + why)
        self.assertIsInstance(cpu["samples"], int, why)
        self.assertGreater(cpu["samples"], 0, why)
        self.assertIsInstance(cpu["lost_samples"], int, why)
        self.assertGreaterEqual(cpu["lost_samples"], 0, why)
        self.assertIsInstance(cpu["source"], str, why)
        self.assertTrue(cpu["source"], "cpu.source must name the timer" + why)

        memory = p["memory"]
        self.assertIsInstance(memory, dict, why)
        self.assertIsInstance(memory["peak_rss_bytes"], int, why)
        self.assertGreater(memory["peak_rss_bytes"], 0, why)

        self.assertIsInstance(p["hot_functions"], list, why)
        self.assertTrue(p["hot_functions"], why)
        for fn in p["hot_functions"]:
            self.assertIsInstance(fn["name"], str, why)
            for key in ("self", "total"):
                self.assertIsInstance(fn[key], (int, float), why)
                self.assertTrue(0 <= fn[key] <= 1, "%s of %r is not a fraction%s" % (key, fn, why))
            self.assertLessEqual(fn["self"], fn["total"] + 1e-9, "self > total in %r%s" % (fn, why))

        self.assertIsInstance(p["processes"], list, why)
        self.assertEqual(len(p["processes"]), 1, why)
        proc = p["processes"][0]
        self.assertIsInstance(proc["pid"], int, why)
        self.assertEqual(proc["command"], self.command, why)
        self.assertEqual(proc["exit"]["code"], 0, why)

        symbols = p["symbols"]
        self.assertIsInstance(symbols["frames"], int, why)
        self.assertIsInstance(symbols["unresolved"], int, why)
        self.assertGreater(symbols["frames"], 0, why)
        self.assertTrue(0 <= symbols["unresolved"] <= symbols["frames"], why)

    def test_hot_functions_name_the_work(self):
        names = {fn["name"]: fn for fn in self.profile["hot_functions"]}
        heavy = [fn for name, fn in names.items() if name == "work_heavy"]
        self.assertTrue(heavy, "work_heavy is not among hot_functions %r\n%s"
                        % (sorted(names), self.describe(self.result)))
        # About 75% of all samples; be loose, the accuracy test is precise.
        self.assertGreater(heavy[0]["total"], 0.5, "%r\n%s" % (heavy[0], self.describe(self.result)))
        self.assertGreater(heavy[0]["self"], 0.5, "%r\n%s" % (heavy[0], self.describe(self.result)))

    def test_cpu_folded_lines_parse_and_start_at_the_program(self):
        folded = self.load_folded(self.result, roots=["pg_ratio31"])
        self.assertTrue(folded.stacks, "cpu.folded is empty\n" + self.describe(self.result))
        for name in ("work_heavy", "work_light", "main"):
            self.assertGreater(folded.weight_with(name), 0, "no stack contains %s\n%s"
                               % (name, self.describe(self.result)))

    def test_cpu_folded_total_is_the_sample_count(self):
        # Each stack captured weighs 1 in cpu.folded, plus the timer
        # expirations merged into it (cpu.overruns); a [kernel] leaf is a
        # stack of its own weighing the whole periods of kernel time since
        # the last sample, often more than 1 when the machine is busy.
        folded = self.load_folded(self.result, roots=["pg_ratio31"])
        samples = self.profile["cpu"]["samples"]
        overruns = self.profile["cpu"]["overruns"]
        kernel = folded.weight_with("[kernel]")
        why = "cpu.folded holds %d samples, %d of them [kernel]; profile.json cpu.samples says %d, overruns %d\n%s" % (
            folded.total(), kernel, samples, overruns, self.describe(self.result))
        self.assertGreaterEqual(folded.total(), samples, why)
        self.assertLessEqual(folded.total(), samples + overruns + kernel, why)

    def test_memory_files_match_what_profile_json_claims(self):
        memory = self.profile["memory"]
        self.assertGreater(memory["peak_rss_bytes"], 0, self.describe(self.result))
        for name in ("mem-peak.folded", "mem-leaks.folded"):
            path = os.path.join(self.result.out_dir, name)
            if memory.get("tracked"):
                self.load_folded(self.result, name, roots=["pg_ratio31"])
            else:
                # Not tracked: no numbers and no files that would look like data.
                self.assertFalse(os.path.exists(path), "%s written although memory.tracked is false" % name)
                self.assertIsNone(memory["peak_heap_bytes"], self.describe(self.result))


class RunOptionsTest(ProfgateTestCase):
    """The options docs/commands.md lists for `profgate run`."""

    def test_hz_sets_the_sampling_rate(self):
        result = self.run_target([self.target("pg_exit_code"), "0"], options=["--hz", "199"])
        self.assert_exit(result, 0)
        self.assertEqual(self.load_profile(result)["cpu"]["hz"], 199, self.describe(result))

    def test_no_cpu_writes_an_empty_cpu_folded(self):
        result = self.run_target([self.target("pg_exit_code"), "0"], options=["--no-cpu"])
        self.assert_exit(result, 0)
        path = os.path.join(result.out_dir, "cpu.folded")
        self.assertTrue(os.path.isfile(path), "cpu.folded is missing\n" + self.describe(result))
        self.assertEqual(os.path.getsize(path), 0, "cpu.folded is not empty\n" + self.describe(result))

    def test_default_output_directory_is_named_after_the_program(self):
        result = self.run_raw(["run", "--", self.target("pg_exit_code"), "0"], cwd=self.tmp)
        result.out_dir = os.path.join(self.tmp, "profgate-out", "pg_exit_code")
        self.assert_exit(result, 0)
        self.load_profile(result)

    def test_cpu_and_memory_are_two_runs_unless_once(self):
        # A file the command appends to counts its runs; its output is
        # shown once (the memory run's is discarded).
        counter = os.path.join(self.tmp, "runs")
        command = ["/bin/sh", "-c", 'echo x >> "$0"; printf hello', counter]
        result = self.run_target(command)
        self.assert_exit(result, 0)
        self.assertEqual(result.stdout, b"hello", self.describe(result))
        with open(counter) as f:
            self.assertEqual(f.read(), "x\n" * 2)
        profile = self.load_profile(result)
        self.assertTrue(profile["runs"].startswith("two:"), profile.get("runs"))
        self.assertTrue(profile["memory"]["tracked"], self.describe(result))
        os.unlink(counter)
        result = self.run_target(command, options=["--once"])
        self.assert_exit(result, 0)
        with open(counter) as f:
            self.assertEqual(f.read(), "x\n")
        profile = self.load_profile(result)
        self.assertTrue(profile["runs"].startswith("one (--once)"), profile.get("runs"))
        self.assertIn("collector_samples", profile["cpu"])
        with open(os.path.join(result.out_dir, "report.html"), encoding="utf-8") as f:
            self.assertIn("one (--once)", f.read())

    def test_a_command_that_fails_is_measured_for_memory_too(self):
        counter = os.path.join(self.tmp, "runs")
        result = self.run_target(["/bin/sh", "-c", 'echo x >> "$0"; exit 3', counter])
        self.assertEqual(result.returncode, 3, self.describe(result))
        with open(counter) as f:
            self.assertEqual(f.read(), "x\n" * 2)
        self.assertTrue(self.load_profile(result)["memory"]["tracked"])

    def test_help_lists_every_file_run_writes(self):
        result = self.run_raw(["run", "--help"])
        self.assert_exit(result, 0)
        for name in ("cpu.folded", "wall.folded", "mem-peak.folded", "mem-leaks.folded", "profile.json",
                     "report.html"):
            self.assertIn(name, result.stdout.decode(), name)

    def test_env_option_reaches_the_program(self):
        result = self.run_target(["/bin/sh", "-c", 'printf %s "$PG_IT_VALUE"'],
                                 options=["--env", "PG_IT_VALUE=hello=42"])
        self.assert_exit(result, 0)
        self.assertEqual(result.stdout, b"hello=42", self.describe(result))

    def test_command_is_started_directly_not_through_a_shell(self):
        command = ["/bin/echo", "a  b", "$HOME", "*", ";", "`x`"]
        result = self.run_target(command)
        self.assert_exit(result, 0)
        self.assertEqual(result.stdout, b"a  b $HOME * ; `x`\n", self.describe(result))
        self.assertEqual(self.load_profile(result)["command"], command, self.describe(result))

    def test_the_programs_own_sigprof_and_sigtrap_handlers_still_work(self):
        # Its own ITIMER_PROF ticks and raised signals reach its handlers;
        # none of the sampler's signals does (the target checks si_code).
        result = self.run_target([self.target("pg_own_signals")])
        self.assert_exit(result, 0)
        folded = self.load_folded(result, roots=["pg_own_signals"])
        self.assertTrue(any(has_frame(fr, "own_timer_work") for fr, _ in folded.stacks),
                        "the program was not sampled\n" + self.describe(result))

    def test_a_sigprof_with_default_action_still_ends_the_program(self):
        result = self.run_target(["/bin/sh", "-c", "kill -PROF $$"])
        self.assert_exit(result, 128 + 27)

    def test_a_program_that_closes_every_descriptor_is_still_profiled(self):
        result = self.run_target([self.target("pg_closer")])
        self.assert_exit(result, 0)
        folded = self.load_folded(result, roots=["pg_closer"])
        self.assertGreater(folded.weight_with("after_close_work"), 200,
                           "samples lost after closefrom(3)\n" + self.describe(result))

    def test_the_programs_view_of_signal_dispositions_is_unchanged(self):
        # The collector catches terminating signals left at their default
        # (to write what is buffered), but the program must still see
        # SIG_DFL there: Python, for one, decides on it.
        script = ("import signal\n"
                  "print([int(signal.getsignal(s)) if isinstance(signal.getsignal(s), int) else 'handler'"
                  " for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGSEGV, signal.SIGPROF)],"
                  " signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n")
        bare = subprocess.run(["/usr/bin/python3", "-c", script], stdout=subprocess.PIPE, timeout=60)
        result = self.run_target(["/usr/bin/python3", "-c", script])
        self.assert_exit(result, 0)
        self.assertEqual(result.stdout, bare.stdout, self.describe(result))

    def test_a_thousand_short_lived_threads(self):
        result = self.run_target([self.target("pg_threads_many"), "1000"])
        self.assert_exit(result, 0)
        profile = self.load_profile(result)
        self.assertEqual(profile["exit"]["code"], 0, self.describe(result))
        folded = self.load_folded(result, roots=["pg_threads_many"])
        in_threads = sum(w for fr, w in folded.stacks if has_frame(fr, "short_thread_work"))
        # Each thread burns a few ms of CPU: at 999 Hz most of them are sampled.
        self.assertGreater(in_threads, 500,
                           "too few samples in the 1000 threads\n" + self.describe(result))


if __name__ == "__main__":
    unittest.main(verbosity=2)
