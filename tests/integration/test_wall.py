"""Integration tests of the wall-clock mode: every thread is sampled, waiting
threads show up ending in the frame [waiting], and sampling never interrupts
a program's sleeps or blocking reads (pg_sleeper exits 3 on any EINTR). Runs
the real profgate ($PROFGATE) on the programs of tests/targets
($PG_TARGETS)."""

import os
import unittest

from pgtest import ProfgateTestCase, has_frame


class WallModeTest(ProfgateTestCase):

    def test_wall_mode_shows_waiting_threads_without_interrupting_them(self):
        result = self.run_target([self.target("pg_sleeper"), "1"], options=["--mode", "wall"])
        self.assertNotIn("EINTR seen", result.stderr,
                         "sampling interrupted a sleep or a read\n" + self.describe(result))
        self.assert_exit(result, 0)
        self.assertEqual(self.load_profile(result)["cpu"]["mode"], "wall", self.describe(result))
        self.assertTrue(os.path.isfile(os.path.join(result.out_dir, "wall.folded")),
                        "wall.folded was not written\n" + self.describe(result))
        folded = self.load_folded(result, "wall.folded", roots=["pg_sleeper"])
        waiting = folded.total(lambda fr: fr[-1] == "[waiting]")
        self.assertGreater(waiting, 0, "no stack ends in [waiting]\n" + self.describe(result))
        busy = folded.total(lambda fr: has_frame(fr, "busy_work"))
        self.assertGreater(busy, 0, "no stack contains busy_work\n" + self.describe(result))
        self.assertFalse(any(fr[-1] != "[waiting]" and "[waiting]" in fr for fr, _ in folded.stacks),
                         "[waiting] must be the last frame of a stack\n" + self.describe(result))

    def test_waiting_hangs_under_the_call_that_blocked(self):
        # pg_blocker's threads run between_calls_work() for a millisecond,
        # then block in epoll_wait, read or clock_nanosleep: their waiting
        # belongs under those calls' callers, not under the work they last
        # ran (their last CPU sample).
        result = self.run_target([self.target("pg_blocker"), "1", "busy"], options=["--mode", "wall"])
        self.assertNotIn("EINTR seen", result.stderr, self.describe(result))
        self.assert_exit(result, 0)
        folded = self.load_folded(result, "wall.folded", roots=["pg_blocker"])
        waiting = folded.total(lambda fr: fr[-1] == "[waiting]" and not has_frame(fr, "blocker_busy_work"))
        stale = folded.total(lambda fr: fr[-1] == "[waiting]" and fr[-2] == "between_calls_work")
        self.assertGreater(waiting, 0, self.describe(result))
        self.assertLess(stale / waiting, 0.10, "%d of %d waiting samples under the last work, not the call\n%s"
                        % (stale, waiting, self.describe(result)))

    def test_cpu_mode_does_not_interrupt_sleeping_threads(self):
        result = self.run_target([self.target("pg_sleeper"), "1"])
        self.assertNotIn("EINTR seen", result.stderr,
                         "sampling interrupted a sleep or a read\n" + self.describe(result))
        self.assert_exit(result, 0)
        folded = self.load_folded(result, roots=["pg_sleeper"])
        self.assertGreater(folded.weight_with("busy_work"), 0, self.describe(result))


if __name__ == "__main__":
    unittest.main(verbosity=2)
