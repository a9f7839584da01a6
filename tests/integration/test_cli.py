"""Integration tests of profgate's command line: help for the program and for
every command docs/commands.md names, --version, and an unknown command. Runs the real
profgate ($PROFGATE)."""

import re
import unittest

from pgtest import ProfgateTestCase

# The commands that exist so far; the rest of docs/commands.md's are checked to be
# refused as unknown (exit 2, one line), never to pretend to work. Move a
# command from NOT_YET to COMMANDS when it lands.
COMMANDS = ["run", "flamegraph", "record", "check", "merge-reports", "baseline", "diff", "help"]
NOT_YET = []
RUN_OPTIONS = ["--out", "--hz", "--mode", "--no-cpu", "--no-mem", "--mem-sample",
               "--timeout", "--no-follow", "--env"]


class CommandLineTest(ProfgateTestCase):

    def usage_of(self, args):
        result = self.run_raw(args, timeout=30)
        self.assert_exit(result, 0)
        text = result.stdout.decode(errors="replace")
        self.assertRegex(text.lower(), r"usage",
                         "`profgate %s` printed no usage on stdout\nstdout:\n%s\n%s"
                         % (" ".join(args), text, self.describe(result)))
        return text

    def test_help_lists_every_command(self):
        for args in (["--help"], ["-h"], ["help"]):
            with self.subTest(args=args):
                text = self.usage_of(args)
                for command in COMMANDS:
                    self.assertRegex(text, r"\b%s\b" % command,
                                     "`profgate %s` does not mention %s:\n%s"
                                     % (" ".join(args), command, text))

    def test_every_command_accepts_help(self):
        for command in COMMANDS:
            for flag in ("--help", "-h"):
                with self.subTest(command=command, flag=flag):
                    self.usage_of([command, flag])

    def test_commands_not_yet_built_are_refused(self):
        for command in NOT_YET:
            with self.subTest(command=command):
                result = self.run_raw([command, "--help"])
                self.assertEqual(result.returncode, 2, self.describe(result))
                lines = [l for l in result.stderr.splitlines() if l.strip()]
                self.assertEqual(len(lines), 1, self.describe(result))
                self.assertIn(command, lines[0], self.describe(result))

    def test_run_help_lists_its_options(self):
        text = self.usage_of(["run", "--help"])
        for option in RUN_OPTIONS:
            self.assertIn(option, text, "`profgate run --help` does not mention %s:\n%s"
                          % (option, text))

    def test_version(self):
        result = self.run_raw(["--version"], timeout=30)
        self.assert_exit(result, 0)
        text = result.stdout.decode(errors="replace")
        self.assertRegex(text, r"\d+\.\d+", "no version number on stdout: %r" % text)

    def test_unknown_command_is_a_usage_error(self):
        result = self.run_raw(["nosuchcommand"], timeout=30)
        self.assert_exit(result, 2)
        lines = result.stderr_lines()
        self.assertEqual(len(lines), 1, "expected one line on stderr\n" + self.describe(result))
        self.assertIn("nosuchcommand", lines[0], "the error should name the command\n"
                      + self.describe(result))


if __name__ == "__main__":
    unittest.main(verbosity=2)
