"""Shared helpers for profgate's integration tests.

The tests run the real `profgate` program (path in $PROFGATE) on the target
programs of tests/targets (built into $PG_TARGETS) and check what docs/
promises about exit statuses, profile.json and the folded files. Nothing here
skips: a missing program or environment variable is a failure that says what
to build or set, because a skipped test must never look like a passed one.

Set PG_KEEP_TMP=1 to keep each test's temporary directory for inspection.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

# No single profgate invocation in these tests should come near this; it only
# guarantees that a hung profgate fails the test instead of hanging CTest.
RUN_TIMEOUT = 120

# Frames that docs/folded.md says never appear: profgate's own and the signal trampoline.
FORBIDDEN_FRAME_PARTS = ("profgate_collector", "pg_collector", "__restore_rt")

FOLDED_LINE = re.compile(r"^(?P<stack>.*\S) (?P<weight>[0-9]+)$")


def env_path(name, what):
    value = os.environ.get(name)
    if not value:
        raise AssertionError(
            "environment variable %s is not set: it must name %s "
            "(CTest sets it; run these tests through ctest)" % (name, what))
    return value


MARKER_FRAMES = ("[kernel]", "[waiting]")


def is_unresolved(frame):
    """A frame docs/folded.md writes as [module+0xOFFSET] or [unknown] (not
    the markers [kernel] and [waiting])."""
    return frame.startswith("[") and frame.endswith("]") and frame not in MARKER_FRAMES


def frame_is(frame, name):
    """Whether a folded frame names function `name`, tolerating suffixes a
    symbolizer may add ("work_heavy.cold", "work_heavy [inlined]") but not a
    longer identifier ("work_heavy2")."""
    if frame == name:
        return True
    return re.match(re.escape(name) + r"(?![A-Za-z0-9_])", frame) is not None


def has_frame(frames, name):
    return any(frame_is(f, name) for f in frames)


# ---- throwaway git repositories ----------------------------------------------
# (bench scripts import these too: keep them free of unittest state)

# Who commits, and no system git configuration to change what git does.
GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
           "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo, *args, timeout=60):
    """`git -C repo args...` with GIT_ENV; its stdout, stripped. A failure
    raises AssertionError with git's stderr."""
    env = dict(os.environ, **GIT_ENV)
    result = subprocess.run(["git", "-C", repo] + list(args), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError("git %s failed: %s" % (" ".join(args), result.stderr))
    return result.stdout.strip()


def write_file(path, text, mode=None):
    with open(path, "w") as f:
        f.write(text)
    if mode:
        os.chmod(path, mode)


# A program of two functions of equal work, steady_part() and changed_part(),
# n steps each (argv[1], default 15,000,000); SCALE_B scales the second in
# percent (100 = equal). work_c(scale) is its source, WORK_BUILD_SH the build
# script that compiles it into out/work with $CC (default cc).
# WORK_PARTS_C is the two functions alone, for a program with its own main.
WORK_PARTS_C = r"""
volatile double sink;
__attribute__((noinline)) void steady_part(long n)
{ double s = 0; for (long i = 0; i < n; i++) s += i * 0.5; sink = s; }
__attribute__((noinline)) void changed_part(long n)
{ double s = 0; for (long i = 0; i < n; i++) s += i * 0.25; sink = s; }
"""
_WORK_C = r"""
#include <stdlib.h>
#ifndef SCALE_B
#define SCALE_B 100
#endif
""" + WORK_PARTS_C + r"""int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 15000000;
	steady_part(n);
	changed_part(n * SCALE_B / 100);
	return 0;
}
"""

WORK_BUILD_SH = """#!/bin/sh
set -e
mkdir -p out
${CC:-cc} -O1 -g -fno-omit-frame-pointer -fno-inline -o out/work work.c
"""


def work_c(scale=100):
    return _WORK_C.replace("#define SCALE_B 100", "#define SCALE_B %d" % scale)


class Result:
    """What one profgate invocation did."""

    def __init__(self, argv, returncode, stdout, stderr, elapsed, out_dir):
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout          # bytes: compared byte for byte
        self.stderr = stderr          # text
        self.elapsed = elapsed
        self.out_dir = out_dir

    def stderr_lines(self):
        return [line for line in self.stderr.splitlines() if line.strip()]


class Folded:
    """A parsed folded file: a list of (frames, weight)."""

    def __init__(self, path, stacks):
        self.path = path
        self.stacks = stacks

    def total(self, pred=None):
        return sum(w for frames, w in self.stacks if pred is None or pred(frames))

    def weight_with(self, name, root=None):
        return self.total(lambda fr: has_frame(fr, name) and (root is None or fr[0] == root))

    def weight_with_prefix(self, prefix):
        return self.total(lambda fr: any(f.startswith(prefix) for f in fr))

    def top(self, n=15):
        ranked = sorted(self.stacks, key=lambda s: -s[1])[:n]
        return "\n".join("  %6d  %s" % (w, ";".join(fr)) for fr, w in ranked)


class ProfgateTestCase(unittest.TestCase):
    """Base class: finds profgate and the targets, gives each test a fresh
    temporary directory, and runs profgate without ever hanging."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.profgate = env_path("PROFGATE", "the profgate program")
        if not (os.path.isfile(cls.profgate) and os.access(cls.profgate, os.X_OK)):
            raise AssertionError(
                "PROFGATE=%s is not an executable file: build the `profgate` "
                "target before running the integration tests" % cls.profgate)
        cls.targets_dir = env_path("PG_TARGETS", "the build directory of tests/targets")

    @classmethod
    def class_tmp(cls):
        """A temporary directory for runs shared by all tests of a class."""
        path = tempfile.mkdtemp(prefix="pg-it-%s-" % cls.__name__)
        if not os.environ.get("PG_KEEP_TMP"):
            cls.addClassCleanup(shutil.rmtree, path, True)
        return path

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pg-it-%s-" % self._testMethodName)
        if not os.environ.get("PG_KEEP_TMP"):
            self.addCleanup(shutil.rmtree, self.tmp, True)

    # -- locating programs ---------------------------------------------------

    @classmethod
    def target(cls, name):
        path = os.path.join(cls.targets_dir, name)
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise AssertionError(
                "target program %s is missing: build the targets in "
                "tests/targets (PG_TARGETS=%s)" % (name, cls.targets_dir))
        return path

    # -- running profgate ----------------------------------------------------

    @classmethod
    def run_raw(cls, args, cwd=None, env=None, timeout=RUN_TIMEOUT, out_dir=None):
        """Runs `profgate ARGS` in its own session, so that on a timeout the
        whole process group (profgate and the profiled program) is killed."""
        argv = [cls.profgate] + list(args)
        start = time.monotonic()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            stdout, stderr = proc.communicate()
            raise AssertionError(
                "profgate did not finish within %d s and was killed\n"
                "command: %s\nstderr:\n%s" % (timeout, " ".join(argv),
                                              stderr.decode(errors="replace")[-4000:]))
        elapsed = time.monotonic() - start
        return Result(argv, proc.returncode, stdout, stderr.decode(errors="replace"),
                      elapsed, out_dir)

    @classmethod
    def profile_run(cls, out_dir, command, options=(), **kwargs):
        """`profgate run -o OUT_DIR OPTIONS -- COMMAND`."""
        args = ["run", "-o", out_dir] + list(options) + ["--"] + list(command)
        return cls.run_raw(args, out_dir=out_dir, **kwargs)

    def run_target(self, command, options=(), **kwargs):
        """Profiles `command` into <tmp>/out."""
        return self.profile_run(os.path.join(self.tmp, "out"), command, options, **kwargs)

    # -- reading what it wrote -----------------------------------------------

    @staticmethod
    def describe(result, extra=""):
        """Everything useful to see when an assertion about a run fails."""
        parts = ["command: %s" % " ".join(result.argv),
                 "exit status: %s (after %.1f s)" % (result.returncode, result.elapsed)]
        parts.append("stderr:\n%s" % (result.stderr[-4000:] or "  (empty)"))
        if result.out_dir and os.path.isdir(result.out_dir):
            parts.append("files written: %s" % ", ".join(sorted(os.listdir(result.out_dir))))
            for name in ("cpu.folded", "wall.folded"):
                path = os.path.join(result.out_dir, name)
                if os.path.isfile(path):
                    with open(path, encoding="utf-8", errors="replace") as f:
                        lines = [l.rstrip("\n") for l in f]
                    ranked = []
                    for line in lines:
                        m = FOLDED_LINE.match(line)
                        ranked.append((int(m.group("weight")) if m else -1, line))
                    ranked.sort(key=lambda t: -t[0])
                    parts.append("%s: %d lines, heaviest:\n%s" % (
                        name, len(lines),
                        "\n".join("  " + l for _, l in ranked[:15]) or "  (empty)"))
        elif result.out_dir:
            parts.append("output directory %s does not exist" % result.out_dir)
        if extra:
            parts.append(extra)
        return "\n".join(parts)

    def assert_exit(self, result, expected):
        self.assertEqual(result.returncode, expected,
                         "expected exit status %d\n%s" % (expected, self.describe(result)))

    def load_profile(self, result):
        path = os.path.join(result.out_dir, "profile.json")
        self.assertTrue(os.path.isfile(path),
                        "profile.json was not written\n" + self.describe(result))
        with open(path, encoding="utf-8") as f:
            text = f.read()
        try:
            return json.loads(text)
        except ValueError as e:
            self.fail("profile.json is not valid JSON (%s):\n%s\n%s"
                      % (e, text[:2000], self.describe(result)))

    def load_folded(self, result, name="cpu.folded", roots=None):
        """Parses a folded file strictly: every line `frame;...;frame weight`,
        no empty frame, no frame of profgate's collector or the signal
        trampoline, and (when `roots` is given) every stack rooted at one of
        `roots`."""
        path = os.path.join(result.out_dir, name)
        self.assertTrue(os.path.isfile(path), "%s was not written\n%s"
                        % (name, self.describe(result)))
        with open(path, "rb") as f:
            raw = f.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            self.fail("%s is not UTF-8 (%s)\n%s" % (name, e, self.describe(result)))
        stacks = []
        for number, line in enumerate(text.splitlines(), 1):
            # describe() reads and sorts the folded files: only on a failure
            # (a Python memory profile has thousands of 40-frame lines).
            where = "%s line %d: %r" % (name, number, line[:500])
            m = FOLDED_LINE.match(line)
            if m is None:
                self.fail("%s is not `frame;frame;... weight`\n%s" % (where, self.describe(result)))
            frames = m.group("stack").split(";")
            if not all(f.strip() for f in frames):
                self.fail("%s has an empty frame\n%s" % (where, self.describe(result)))
            for frame in frames:
                for part in FORBIDDEN_FRAME_PARTS:
                    if part in frame:
                        self.fail("%s shows profgate's own frame or the signal trampoline "
                                  "(%r)\n%s" % (where, frame, self.describe(result)))
            if roots is not None and frames[0] not in roots:
                self.fail("%s: root frame %r should name the program (one of %s)\n%s"
                          % (where, frames[0], ", ".join(roots), self.describe(result)))
            stacks.append((frames, int(m.group("weight"))))
        return Folded(path, stacks)

    def assert_share(self, part, whole, expected, tolerance, what, result, folded):
        self.assertGreater(whole, 0, "no samples at all for %s\n%s" % (what, self.describe(result)))
        share = part / whole
        self.assertLessEqual(abs(share - expected), tolerance,
                             "%s: share %.1f%% (%d of %d samples), expected %.0f%% +- %.0f points\n"
                             "heaviest stacks:\n%s\n%s"
                             % (what, 100 * share, part, whole, 100 * expected, 100 * tolerance,
                                folded.top(), self.describe(result)))


def processes_with_arg(token):
    """PIDs of live processes one of whose arguments is `token` (zombies have
    no command line and are not counted)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if token.encode() in args:
            found.append(int(entry))
    return found


def main(module_name):
    """The main of a test file whose known failing tests CTest runs on their
    own: runs the tests named on the command line, or else every test of the
    module except those CTest lists in PG_KNOWN_FAILING (as Class.method,
    comma-separated), which it says loudly. A name in PG_KNOWN_FAILING that
    is no test of the module fails the run."""
    if len(sys.argv) > 1:
        unittest.main(module=module_name, verbosity=2)
        return
    known = {n.strip() for n in os.environ.get("PG_KNOWN_FAILING", "").split(",") if n.strip()}
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module_name])

    def flatten(s):
        for t in s:
            if isinstance(t, unittest.TestSuite):
                yield from flatten(t)
            else:
                yield t
    tests = list(flatten(suite))
    unknown = known - {t.id().split(".", 1)[1] for t in tests}
    if unknown:
        print("PG_KNOWN_FAILING names tests that do not exist here: %s" % ", ".join(sorted(unknown)),
              file=sys.stderr)
        sys.exit(1)
    left_out = [t for t in tests if t.id().split(".", 1)[1] in known]
    for t in left_out:
        print("NOT RUN HERE (known failing, CTest runs it as integration/known_failing/%s): %s"
              % (t.id().split(".", 1)[1], t.id()), file=sys.stderr)
    result = unittest.TextTestRunner(verbosity=2).run(
        unittest.TestSuite(t for t in tests if t not in left_out))
    sys.exit(0 if result.wasSuccessful() else 1)
