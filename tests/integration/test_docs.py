"""The reference in docs/ against the program it describes.

- No file of the repository points outside it, at the specification that
  profgate's founders kept next to the repository (a user's clone does not
  have it): docs/ is the reference.
- Every command that `profgate help` lists has a section in
  docs/commands.md, and every option that a command's --help lists is
  named in that section.
- Every key the config reader accepts, as its own error message for an
  unknown key lists them, is documented in docs/config.md, and every key
  that docs/config.md documents is accepted.

Runs the real profgate ($PROFGATE). The repository is the one this file is
in; the files checked are git's (tracked and untracked, not ignored) when it
is a git checkout, else every file under it but build folders.
"""

import json
import os
import re
import subprocess
import unittest

from pgtest import ProfgateTestCase

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DOCS = os.path.join(REPO, "docs")

# A pointer outside the repository: the specification by name, a document
# of the folder beside the repository, the folder itself, or the word SPEC
# used as a document's name. "--store SPEC" is the metavariable of the
# --store option (a store specification), not a document; in the option
# tables (harness/cliopt.h) it is written .arg = "SPEC".
FORBIDDEN = [
    ("a reference to SPEC.md", re.compile(r"SPEC\.md")),
    ("a link into ../shared", re.compile(r"\.\./shared/[\w.-]+\.md")),
    ("a reference to the folder ../shared", re.compile(r"\.\./shared(?:/?(?=[\s`'\")\]]|$))", re.M)),
    ("SPEC named as a document", re.compile(r"(?<!--store )(?<!\.arg = \")\bSPEC\b")),
]


def forbidden_references(text):
    """(line number, what, line) for every pointer outside the repository."""
    found = []
    for lineno, line in enumerate(text.split("\n"), 1):
        for what, pattern in FORBIDDEN:
            if pattern.search(line):
                found.append((lineno, what, line.strip()))
    return found


def repository_files():
    """Paths (relative to REPO) of the repository's text files."""
    try:
        out = subprocess.run(["git", "-C", REPO, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], check=True, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE).stdout
        paths = [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        paths = []
        for root, dirs, files in os.walk(REPO):
            dirs[:] = [d for d in dirs if d not in (".git", "node_modules")
                       and not os.path.exists(os.path.join(root, d, "CMakeCache.txt"))]
            for name in files:
                paths.append(os.path.relpath(os.path.join(root, name), REPO))
    return sorted(set(paths))


def read_text(path):
    """The file's text, or None for a binary file (or one that is gone)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except (FileNotFoundError, IsADirectoryError):
        return None
    if b"\0" in data:
        return None
    return data.decode("utf-8", "replace")


def read_doc(name):
    path = os.path.join(DOCS, name)
    if not os.path.isfile(path):
        raise AssertionError("docs/%s is missing" % name)
    with open(path, encoding="utf-8") as f:
        return f.read()


def command_section(commands_md, command):
    """The text of `## `profgate COMMAND`` up to the next level-2 heading,
    or None when there is no such heading."""
    m = re.search(r"^## `profgate %s`[^\n]*\n" % re.escape(command), commands_md, re.M)
    if not m:
        return None
    rest = commands_md[m.end():]
    nxt = re.search(r"^## ", rest, re.M)
    return rest[:nxt.start()] if nxt else rest


def mentions_option(text, option):
    return re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(option), text) is not None


def help_options(help_text):
    """The options a --help text lists: every -x and --long-name on the
    lines that start (after blanks) with a dash."""
    options = set()
    for line in help_text.splitlines():
        if not re.match(r"\s+-", line):
            continue
        head = re.split(r"\s{2,}", line.strip())[0]  # the option column, not its description
        options.update(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[A-Za-z])(?![\w-])", head))
    return options


class ForbiddenReferenceMatcherTest(unittest.TestCase):
    """The matcher itself: it must catch what it is meant to catch, or the
    scan below proves nothing."""

    def test_catches_pointers_outside_the_repository(self):
        for text in ("see `../shared/SPEC.md`", "Layout (see ../shared/STYLE.md)",
                     "(SPEC \"Report directory\")", "SPEC's defaults", "as SPEC asks",
                     "the contract of SPEC.md", "files in ../shared", "(see ../shared/)"):
            with self.subTest(text=text):
                self.assertTrue(forbidden_references(text), "not caught: %r" % text)

    def test_leaves_other_text_alone(self):
        for text in ("--store SPEC    where baselines go", '{ .name = "store", .arg = "SPEC",', "GIT_EINVALIDSPEC",
                     'pg_store_open(&s, "../../shared/bl/", "/src/proj/conf", r)',
                     "see docs/config.md", "a spectacular SPECTRUM"):
            with self.subTest(text=text):
                self.assertEqual(forbidden_references(text), [], "wrongly caught: %r" % text)


class NoPointerOutsideTheRepositoryTest(unittest.TestCase):

    def test_no_file_refers_to_the_specification_outside_the_repository(self):
        this_file = os.path.relpath(os.path.abspath(__file__), REPO)
        paths = repository_files()
        self.assertGreater(len(paths), 50, "found only %d files under %s" % (len(paths), REPO))
        self.assertIn("README.md", paths)
        problems = []
        scanned = 0
        for rel in paths:
            if rel == this_file:
                continue  # it names what it looks for
            text = read_text(os.path.join(REPO, rel))
            if text is None:
                continue
            scanned += 1
            for lineno, what, line in forbidden_references(text):
                problems.append("%s:%d: %s: %s" % (rel, lineno, what, line[:160]))
        self.assertGreater(scanned, 50)
        self.assertEqual(problems, [], "files that point outside the repository "
                         "(point at docs/ instead):\n" + "\n".join(problems))


class CommandsDocumentedTest(ProfgateTestCase):

    def help_of(self, args):
        result = self.run_raw(args, timeout=30)
        self.assert_exit(result, 0)
        return result.stdout.decode(errors="replace")

    def commands(self):
        text = self.help_of(["help"])
        m = re.search(r"^commands:\n((?:  \S.*\n)+)", text, re.M)
        self.assertIsNotNone(m, "`profgate help` has no \"commands:\" list:\n" + text)
        names = [line.split()[0] for line in m.group(1).splitlines()]
        self.assertIn("run", names)
        self.assertIn("check", names)
        return names

    def test_every_command_has_a_section(self):
        commands_md = read_doc("commands.md")
        missing = [c for c in self.commands() if command_section(commands_md, c) is None]
        self.assertEqual(missing, [], "commands without a \"## `profgate NAME`\" section "
                         "in docs/commands.md")

    def test_every_option_of_every_command_is_documented_in_its_section(self):
        commands_md = read_doc("commands.md")
        missing = []
        for command in self.commands():
            section = command_section(commands_md, command) or ""
            options = help_options(self.help_of([command, "--help"]))
            if command != "help":
                self.assertIn("--help", options, "no options found in `profgate %s --help`"
                              % command)
            for option in sorted(options):
                if not mentions_option(section, option):
                    missing.append("%s %s" % (command, option))
        self.assertEqual(missing, [], "options that --help lists but the command's section "
                         "of docs/commands.md does not name")

    def test_program_options_are_documented(self):
        commands_md = read_doc("commands.md")
        usage = self.help_of(["--help"]).splitlines()[0]
        options = re.findall(r"--[a-z][a-z-]*", usage)
        self.assertIn("--version", options, usage)
        for option in options:
            self.assertTrue(mentions_option(commands_md, option),
                            "docs/commands.md does not mention `profgate %s`" % option)


class ConfigDocumentedTest(ProfgateTestCase):
    """The keys the reader accepts come from the reader itself: a config with
    a key far from every known one gets "unknown key ... (known keys: ...)"."""

    UNKNOWN = "zzzzzzzzzzzzzzzz"

    def known_keys(self, config, where):
        path = os.path.join(self.tmp, "profgate.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(config, f)
        result = self.run_raw(["check", "-c", path, "--out", os.path.join(self.tmp, "report")],
                              cwd=self.tmp, timeout=60)
        self.assert_exit(result, 2)
        m = re.search(r"%s: unknown key '%s' \(known keys: ([^)]*)\)" % (re.escape(where), self.UNKNOWN),
                      result.stderr)
        self.assertIsNotNone(m, "the config error does not list the known keys of %s\n%s"
                             % (where, self.describe(result)))
        keys = [k.strip() for k in m.group(1).split(",")]
        self.assertTrue(all(re.fullmatch(r"[a-z_]+", k) for k in keys), keys)
        return keys

    def accepted_keys(self):
        bench = {"name": "b", "run": ["true"]}
        return {
            "top level": self.known_keys({self.UNKNOWN: 1, "benchmarks": [bench]}, "top level"),
            "defaults": self.known_keys({"defaults": {self.UNKNOWN: 1}, "benchmarks": [bench]},
                                        "defaults"),
            "benchmark": self.known_keys({"benchmarks": [dict(bench, **{self.UNKNOWN: 1})]},
                                         'benchmarks[0] ("b")'),
            "thresholds": self.known_keys({"defaults": {"thresholds": {self.UNKNOWN: "1%"}},
                                           "benchmarks": [bench]}, "defaults.thresholds"),
        }

    def test_every_accepted_key_is_documented_and_every_documented_key_accepted(self):
        config_md = read_doc("config.md")
        accepted = self.accepted_keys()
        for level in ("top level", "benchmark", "thresholds"):
            self.assertGreaterEqual(len(accepted[level]), 3, (level, accepted[level]))
        self.assertIn("benchmarks", accepted["top level"])
        self.assertIn("run", accepted["benchmark"])
        self.assertIn("wall", accepted["thresholds"])

        undocumented = sorted({"%s: %s" % (level, key) for level, keys in accepted.items()
                               for key in keys if "`%s`" % key not in config_md})
        self.assertEqual(undocumented, [], "keys the config reader accepts that docs/config.md "
                         "does not document (as `key`)")

        # The other way: the keys in the first column of config.md's tables.
        every = set().union(*accepted.values())
        documented = set()
        for line in config_md.splitlines():
            m = re.match(r"\|\s*((?:`[a-z_]+`(?:,\s*)?)+)\s*\|", line)
            if m:
                documented.update(re.findall(r"`([a-z_]+)`", m.group(1)))
        self.assertGreater(len(documented), 15, "found no key tables in docs/config.md")
        self.assertEqual(sorted(documented - every), [], "keys docs/config.md documents that "
                         "the config reader refuses")


if __name__ == "__main__":
    unittest.main(verbosity=2)
