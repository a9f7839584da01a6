"""Integration tests of following children: by default `profgate run`
profiles what the command forks and execs too, each program's stacks rooted
at its own name; --no-follow leaves children out. Runs the real profgate
($PROFGATE) on the programs of tests/targets ($PG_TARGETS)."""

import unittest

from pgtest import ProfgateTestCase, has_frame


class FollowTest(ProfgateTestCase):

    def test_fork_profiles_parent_and_child(self):
        result = self.run_target([self.target("pg_forker")])
        self.assert_exit(result, 0)
        folded = self.load_folded(result, roots=["pg_forker"])
        for name in ("child_work", "parent_work"):
            self.assertGreater(folded.weight_with(name, root="pg_forker"), 0,
                               "no stack rooted at pg_forker contains %s\n%s"
                               % (name, self.describe(result)))
        self.assertFalse(any(has_frame(fr, "child_work") and has_frame(fr, "parent_work")
                             for fr, _ in folded.stacks),
                         "a stack mixes parent and child\n" + self.describe(result))
        processes = self.load_profile(result)["processes"]
        self.assertEqual(len(processes), 2, "processes: %r\n%s" % (processes, self.describe(result)))
        self.assertNotEqual(processes[0]["pid"], processes[1]["pid"], repr(processes))
        for proc in processes:
            self.assertEqual(proc["exit"]["code"], 0, "processes: %r" % processes)

    def test_exec_roots_each_program_at_its_own_name(self):
        ratio = self.target("pg_ratio31")
        result = self.run_target([self.target("pg_execer"), ratio, "1"])
        self.assert_exit(result, 0)
        folded = self.load_folded(result, roots=["pg_execer", "pg_ratio31"])
        self.assertGreater(folded.weight_with("before_exec_work", root="pg_execer"), 0,
                           "no stack rooted at pg_execer contains before_exec_work\n"
                           + self.describe(result))
        self.assertGreater(folded.weight_with("work_heavy", root="pg_ratio31"), 0,
                           "no stack rooted at pg_ratio31 contains work_heavy\n"
                           + self.describe(result))
        self.assertEqual(folded.weight_with("work_heavy", root="pg_execer"), 0,
                         "the exec'd program's stacks are rooted at the old name\n"
                         + self.describe(result))
        self.assertEqual(folded.weight_with("before_exec_work", root="pg_ratio31"), 0,
                         "the old program's stacks are rooted at the new name\n"
                         + self.describe(result))

    def test_no_follow_leaves_the_child_out(self):
        result = self.run_target([self.target("pg_forker")], options=["--no-follow"])
        self.assert_exit(result, 0)
        folded = self.load_folded(result, roots=["pg_forker"])
        self.assertGreater(folded.weight_with("parent_work"), 0,
                           "the parent itself is missing\n" + self.describe(result))
        self.assertEqual(folded.weight_with("child_work"), 0,
                         "--no-follow still profiled the child\n" + self.describe(result))


if __name__ == "__main__":
    unittest.main(verbosity=2)
