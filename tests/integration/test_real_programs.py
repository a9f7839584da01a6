"""Integration tests on programs the project did not build: the distribution's
Python interpreter (stripped, position independent, symbols only from its
dynamic symbol table or installed debug info) and coreutils' sort and gzip,
whose output must be byte for byte what they print without profgate. Runs
the real profgate ($PROFGATE)."""

import collections
import os
import random
import struct
import subprocess
import unittest

from pgtest import ProfgateTestCase, is_unresolved

PYTHON = "/usr/bin/python3"
PYTHON_ROOTS = ["python3", "python3.11"]
# With separate debug info for the interpreter installed, nearly every leaf
# has a name. Debian's python3.11 is stripped and its -dbgsym package lives in
# an archive CI cannot reach: .dynsym alone names about a third of the leaves
# (perf names 35% on the same binary; runs here range 24-35%), so the bar
# is lower without it.
MIN_SYMBOLIZED_WITH_DEBUGINFO = 0.90
MIN_SYMBOLIZED_STRIPPED = 0.15

# About one second of CPU in the interpreter loop, summing squares.
PYTHON_LOOP = """\
import time
start = time.process_time()
total = 0
while time.process_time() - start < 1.0:
    for i in range(10000):
        total += i * i
print(total > 0)
"""


def gnu_build_id(path):
    """The GNU build id of an ELF file as hex, or None (used only to explain
    a failure: where the debug info for that file would be)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data[:4] != b"\x7fELF" or data[4] != 2:
            return None
        phoff, = struct.unpack_from("<Q", data, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
        for i in range(phnum):
            p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
                "<IIQQQQ", data, phoff + i * phentsize)
            if p_type != 4:  # PT_NOTE
                continue
            pos, end = p_offset, p_offset + p_filesz
            while pos + 12 <= end:
                namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
                name_at = pos + 12
                desc_at = name_at + ((namesz + 3) & ~3)
                if ntype == 3 and data[name_at:name_at + namesz].rstrip(b"\0") == b"GNU":
                    return data[desc_at:desc_at + descsz].hex()
                pos = desc_at + ((descsz + 3) & ~3)
    except (OSError, struct.error, IndexError):
        return None
    return None


class PythonInterpreterTest(ProfgateTestCase):

    def test_python_loop_is_symbolized(self):
        self.assertTrue(os.access(PYTHON, os.X_OK), "%s is not installed" % PYTHON)
        result = self.run_target([PYTHON, "-c", PYTHON_LOOP])
        self.assert_exit(result, 0)
        self.assertEqual(result.stdout, b"True\n", self.describe(result))
        folded = self.load_folded(result, roots=PYTHON_ROOTS)
        total = folded.total()
        self.assertGreater(total, 0, "cpu.folded is empty\n" + self.describe(result))

        # A sample counts as symbolized when the function it was taken in,
        # its leaf frame, has a name rather than [module+0xOFFSET].
        unresolved = collections.Counter()
        for frames, weight in folded.stacks:
            if is_unresolved(frames[-1]):
                unresolved[frames[-1]] += weight
        share = 1 - sum(unresolved.values()) / total
        real = os.path.realpath(PYTHON)
        build_id = gnu_build_id(real)
        debug = ("/usr/lib/debug/.build-id/%s/%s.debug" % (build_id[:2], build_id[2:])
                 if build_id else None)
        MIN_SYMBOLIZED = (MIN_SYMBOLIZED_WITH_DEBUGINFO if debug and os.path.exists(debug)
                          else MIN_SYMBOLIZED_STRIPPED)
        # The interpreter's exported entry points are named in (nearly) every
        # stack: Py_RunMain once the runtime is up, Py_InitializeFromConfig
        # before (start-up's page faults show there as [kernel] time).
        entry = sum(w for frames, w in folded.stacks
                    if "Py_RunMain" in frames or "Py_InitializeFromConfig" in frames)
        self.assertGreaterEqual(entry, 0.95 * total,
                                "Py_RunMain is missing from too many stacks\n" + self.describe(result))
        # And what has no name says where it is, in the documented form.
        for frames, _ in folded.stacks:
            for f in frames:
                if f.startswith("[") and f not in ("[unknown]", "[waiting]", "[kernel]"):
                    self.assertRegex(f, r"^\[[^\[\]+]+\+0x[0-9a-f]+\]$", self.describe(result))
        if share < MIN_SYMBOLIZED:
            hint = ("%s has build id %s; separate debug info %s %s" % (
                real, build_id, debug,
                "exists" if debug and os.path.exists(debug) else "is not installed"))
            self.fail("only %.1f%% of %d samples have a named leaf frame (want >= %.0f%%)\n"
                      "heaviest unresolved leaves:\n%s\n%s\n%s"
                      % (100 * share, total, 100 * MIN_SYMBOLIZED,
                         "\n".join("  %6d  %s" % (w, f) for f, w in unresolved.most_common(10)),
                         hint, self.describe(result)))


class OutputUnchangedTest(ProfgateTestCase):
    """The profiled program's stdout is its own: nothing added, nothing lost."""

    def make_data(self):
        rng = random.Random(20240501)
        words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 12)))
                 for _ in range(5000)]
        path = os.path.join(self.tmp, "data.txt")
        with open(path, "w") as f:
            size = 0
            while size < 4 * 1024 * 1024:
                line = " ".join(rng.choice(words) for _ in range(rng.randint(1, 8))) + "\n"
                f.write(line)
                size += len(line)
        return path

    def check_same_output(self, command, root):
        self.assertTrue(os.access(command[0], os.X_OK), "%s is not installed" % command[0])
        env = dict(os.environ, LC_ALL="C")
        direct = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, timeout=120)
        self.assertEqual(direct.returncode, 0, "%s failed on its own: %s"
                         % (command, direct.stderr.decode(errors="replace")))
        self.assertGreater(len(direct.stdout), 0)
        result = self.run_target(command, env=env)
        self.assert_exit(result, 0)
        if result.stdout != direct.stdout:
            at = next((i for i, (a, b) in enumerate(zip(result.stdout, direct.stdout)) if a != b),
                      min(len(result.stdout), len(direct.stdout)))
            self.fail("stdout under profgate differs from %s's own: %d bytes instead of %d, "
                      "first difference at byte %d: %r vs %r\n%s"
                      % (root, len(result.stdout), len(direct.stdout), at,
                         result.stdout[at:at + 80], direct.stdout[at:at + 80],
                         self.describe(result)))
        self.load_folded(result, roots=[root])

    def test_sort_output_is_unchanged(self):
        self.check_same_output(["/usr/bin/sort", self.make_data()], "sort")

    def test_gzip_output_is_unchanged(self):
        self.check_same_output(["/usr/bin/gzip", "-c", "-n", "-6", self.make_data()], "gzip")


if __name__ == "__main__":
    unittest.main(verbosity=2)
