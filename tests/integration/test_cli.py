"""Integration tests of profgate's command line: help for the program and for
every command docs/commands.md names, --version, and an unknown command. Runs the real
profgate ($PROFGATE)."""

import re
import unittest

from pgtest import ProfgateTestCase

# Every command of docs/commands.md; `profgate help` must list exactly these.
COMMANDS = ["run", "flamegraph", "record", "check", "merge-reports", "baseline", "diff", "help"]
RUN_OPTIONS = ["--out", "--hz", "--mode", "--no-cpu", "--no-mem", "--mem-sample",
               "--timeout", "--no-follow", "--env"]
# Every file `profgate run` can write into its profile directory.
RUN_FILES = ["cpu.folded", "wall.folded", "mem-peak.folded", "mem-leaks.folded", "profile.json",
             "report.html"]


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

    def listed_commands(self):
        """The command names in the "commands:" section of `profgate help`."""
        text = self.usage_of(["help"])
        section = text.split("\ncommands:\n", 1)
        self.assertEqual(len(section), 2, "no commands: section in `profgate help`:\n" + text)
        names = []
        for line in section[1].splitlines():
            m = re.match(r"  (\S+)  +\S", line)
            if not m:
                break
            names.append(m.group(1))
        return names

    def test_every_listed_command_answers_help(self):
        names = self.listed_commands()
        self.assertEqual(sorted(names), sorted(COMMANDS))
        for command in names:
            for args in ([command, "--help"], [command, "-h"], ["help", command]):
                with self.subTest(args=args):
                    text = self.usage_of(args)
                    self.assertIn("usage: profgate %s" % command, text)
                    self.assertIn("  -h, --help", text)

    def test_every_command_refuses_an_unknown_option(self):
        for command in COMMANDS:
            with self.subTest(command=command):
                result = self.run_raw([command, "--nosuch-option"], timeout=30)
                self.assert_exit(result, 2)
                lines = result.stderr_lines()
                self.assertEqual(lines, ["profgate %s: option '--nosuch-option' is unknown or needs a value; "
                                         "see 'profgate %s --help'" % (command, command)],
                                 self.describe(result))

    def test_run_help_lists_its_options(self):
        text = self.usage_of(["run", "--help"])
        for option in RUN_OPTIONS:
            self.assertIn(option, text, "`profgate run --help` does not mention %s:\n%s"
                          % (option, text))
        for name in RUN_FILES:
            self.assertRegex(text, r"\n  %s  +\S" % re.escape(name),
                             "`profgate run --help` does not list %s:\n%s" % (name, text))

    def test_version(self):
        result = self.run_raw(["--version"], timeout=30)
        self.assert_exit(result, 0)
        text = result.stdout.decode(errors="replace")
        self.assertRegex(text, r"\d+\.\d+", "no version number on stdout: %r" % text)

    def test_unknown_command_is_a_usage_error(self):
        for args in (["nosuchcommand"], ["nosuchcommand", "--help"], ["help", "nosuchcommand"]):
            with self.subTest(args=args):
                result = self.run_raw(args, timeout=30)
                self.assert_exit(result, 2)
                lines = result.stderr_lines()
                self.assertEqual(len(lines), 1, "expected one line on stderr\n" + self.describe(result))
                self.assertIn("'nosuchcommand'", lines[0], "the error should name the command\n"
                              + self.describe(result))
                self.assertEqual(result.stdout, b"", self.describe(result))


if __name__ == "__main__":
    unittest.main(verbosity=2)
