"""Integration tests of how faithfully `profgate run` attributes CPU time:
an about 3:1 split between two functions (which the program measures itself), an even split between four threads, and
no samples missing when the kernel's perf timer delivers them. Runs the real
profgate ($PROFGATE) on the programs of tests/targets ($PG_TARGETS)."""

import os
import re
import unittest

from pgtest import ProfgateTestCase

TOLERANCE = 0.03   # three percentage points
MIN_SAMPLE_RATIO = 0.95


class AccuracyTestCase(ProfgateTestCase):
    """Shares one profile of `command` between the tests of a class."""

    command = None  # [target name, args...]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        argv = [cls.target(cls.command[0])] + cls.command[1:]
        cls.result = cls.profile_run(os.path.join(cls.class_tmp(), "out"), argv)

    def setUp(self):
        super().setUp()
        self.assert_exit(self.result, 0)
        self.profile = self.load_profile(self.result)
        self.folded = self.load_folded(self.result, roots=[self.command[0]])

    def check_sample_count(self):
        """With a perf timer nothing should be lost: at least 95% of
        hz x cpu_seconds stacks. Other timer sources may legitimately lose
        overruns (docs/profile-json.md: a timer overrun is not a stack), so only perf is held
        to it."""
        cpu = self.profile["cpu"]
        source = str(cpu.get("source", ""))
        expected = cpu["hz"] * self.profile["cpu_seconds"]
        detail = ("cpu.source=%r hz=%s cpu_seconds=%s samples=%s lost_samples=%s"
                  % (source, cpu["hz"], self.profile["cpu_seconds"], cpu["samples"],
                     cpu.get("lost_samples")))
        print("\n%s: %s" % (self.id(), detail))
        self.assertGreater(cpu["samples"], 0, detail + "\n" + self.describe(self.result))
        if "perf" in source:
            self.assertGreaterEqual(cpu["samples"], MIN_SAMPLE_RATIO * expected,
                                    "fewer than %d%% of the expected %.0f samples: %s\n%s"
                                    % (100 * MIN_SAMPLE_RATIO, expected, detail,
                                       self.describe(self.result)))


class RatioTest(AccuracyTestCase):
    """pg_ratio31 2: work_heavy() runs about three times as long as
    work_light(); the program prints the split it measured with its thread's
    CPU clock around each call."""

    command = ["pg_ratio31", "2"]

    def measured_share(self):
        """The split the CPU-profiled run of the program measured (profgate
        shows what the first of its two runs prints)."""
        shares = re.findall(rb"work_heavy share: ([0-9.]+)", self.result.stdout)
        self.assertTrue(shares, "pg_ratio31 printed no share\n" + self.describe(self.result))
        share = float(shares[0])
        self.assertTrue(0.6 < share < 0.85,
                        "pg_ratio31 measured work_heavy at %.1f%%, not about 3:1" % (100 * share))
        return share

    def test_heavy_and_light_split_as_the_program_measured(self):
        expected = self.measured_share()
        heavy = self.folded.weight_with("work_heavy")
        light = self.folded.weight_with("work_light")
        print("\n%s: work_heavy measured by the program %.1f%%, profiled %.1f%% (%d of %d samples)"
              % (self.id(), 100 * expected, 100 * heavy / max(1, heavy + light), heavy, heavy + light))
        self.assert_share(heavy, heavy + light, expected, TOLERANCE,
                          "work_heavy of (work_heavy + work_light)", self.result, self.folded)
        self.assert_share(light, heavy + light, 1 - expected, TOLERANCE,
                          "work_light of (work_heavy + work_light)", self.result, self.folded)

    def test_no_samples_lost(self):
        self.check_sample_count()


class ThreadsTest(AccuracyTestCase):
    """pg_threads4: four threads burn the same CPU time, each in its own
    function."""

    command = ["pg_threads4", "1"]

    def test_each_thread_gets_a_quarter(self):
        names = ["thread_work_%d" % i for i in range(4)]
        weights = {name: self.folded.weight_with(name) for name in names}
        whole = sum(weights.values())
        for name in names:
            with self.subTest(function=name):
                self.assert_share(weights[name], whole, 0.25, TOLERANCE,
                                  "%s of all thread_work_N (%r)" % (name, weights),
                                  self.result, self.folded)

    def test_no_samples_lost(self):
        self.check_sample_count()


if __name__ == "__main__":
    unittest.main(verbosity=2)
