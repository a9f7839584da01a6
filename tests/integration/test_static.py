"""Integration test: profgate cannot preload its collector into a statically
linked program, so it must refuse one (exit 125, the word "static" on stderr)
rather than run it unprofiled. Builds the static program itself; fails (does
not skip) when the static C library is missing. Runs the real profgate
($PROFGATE)."""

import os
import struct
import subprocess
import unittest

from pgtest import ProfgateTestCase

STATIC_LIBC = "/usr/lib/x86_64-linux-gnu/libc.a"

SOURCE = """\
/* A statically linked program for profgate's integration tests. */
int main(void)
{
\tvolatile unsigned long sum = 0;
\tfor (unsigned long i = 0; i < 10000000; i++)
\t\tsum += i;
\treturn 0;
}
"""


def has_interpreter(path):
    """Whether an ELF file asks for a dynamic loader (PT_INTERP)."""
    with open(path, "rb") as f:
        data = f.read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return any(struct.unpack_from("<I", data, phoff + i * phentsize)[0] == 3
               for i in range(phnum))


class StaticProgramTest(ProfgateTestCase):

    def build_static(self):
        if not os.path.isfile(STATIC_LIBC):
            self.fail("cannot test static programs: %s is missing "
                      "(install libc6-dev, which ships the static C library)" % STATIC_LIBC)
        src = os.path.join(self.tmp, "pg_static.c")
        exe = os.path.join(self.tmp, "pg_static")
        with open(src, "w") as f:
            f.write(SOURCE)
        cc = os.environ.get("PG_CC") or "cc"
        build = subprocess.run([cc, "-static", "-O1", "-o", exe, src], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        self.assertEqual(build.returncode, 0, "cannot build a static program with %s:\n%s"
                         % (cc, build.stdout.decode(errors="replace")))
        self.assertFalse(has_interpreter(exe), "%s -static built a dynamic program" % cc)
        return exe

    def test_static_program_is_refused(self):
        exe = self.build_static()
        result = self.run_target([exe])
        self.assert_exit(result, 125)
        self.assertIn("static", result.stderr.lower(),
                      "the error should say the program is static\n" + self.describe(result))


if __name__ == "__main__":
    unittest.main(verbosity=2)
