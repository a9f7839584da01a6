"""Integration tests of symbolization: C++ names demangled (also with
exceptions thrown through sampled frames), a stripped program symbolized from
its separate debug file, a library loaded and unloaded with dlopen, and the
environment's own LD_PRELOAD kept. Runs the real profgate ($PROFGATE)."""

import os
import shutil
import subprocess
import unittest

from pgtest import ProfgateTestCase, has_frame

SOURCE = """\
/* Built by test_symbols.py: static functions that only DWARF/.symtab name. */
#include <time.h>
static volatile unsigned long sink;
static double cpu(void)
{
\tstruct timespec ts;
\tclock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
\treturn ts.tv_sec + ts.tv_nsec / 1e9;
}
__attribute__((noinline)) static void hidden_worker(void)
{
\tfor (int i = 0; i < 100000; i++)
\t\tsink += i;
}
int main(void)
{
\tdouble t = cpu();
\twhile (cpu() - t < 0.4)
\t\thidden_worker();
\treturn 0;
}
"""


class SymbolsTest(ProfgateTestCase):

    def test_cxx_names_are_demangled(self):
        result = self.run_target([self.target("pg_cxx")])
        self.assert_exit(result, 0)
        folded = self.load_folded(result, roots=["pg_cxx"])
        # Display names: qualified, templates kept, no return type or
        # parameters (those are in profile.json's full_name).
        self.assertGreater(folded.weight_with("pgt::Cruncher::crunch"), 0,
                           "no demangled pgt::Cruncher::crunch\n" + self.describe(result))
        mix = [f for frames, _ in folded.stacks for f in frames if f.startswith("pgt::mix<unsigned long>")]
        self.assertTrue(mix, "no demangled template pgt::mix<unsigned long>\n" + self.describe(result))
        self.assertFalse([f for f in mix if "(" in f], mix)
        profile = self.load_profile(result)
        full = {h["name"]: h.get("full_name") for h in profile["hot_functions"]}
        self.assertEqual(full.get("pgt::Cruncher::crunch"), "pgt::Cruncher::crunch(int)", full)
        for frames, _ in folded.stacks:
            for f in frames:
                self.assertFalse(f.startswith("_Z"), "mangled frame %s\n%s" % (f, self.describe(result)))

    def build(self, strip):
        cc = os.environ.get("PG_CC") or "cc"
        src = os.path.join(self.tmp, "hidden.c")
        exe = os.path.join(self.tmp, "hidden")
        with open(src, "w") as f:
            f.write(SOURCE)
        subprocess.run([cc, "-O1", "-g", "-o", exe, src], check=True, timeout=120)
        if strip:
            objcopy = shutil.which("objcopy")
            self.assertIsNotNone(objcopy, "objcopy (binutils) is needed for this test")
            debug = exe + ".debug"
            subprocess.run([objcopy, "--only-keep-debug", exe, debug], check=True)
            subprocess.run([objcopy, "--strip-all", "--add-gnu-debuglink=" + debug, exe], check=True)
            out = subprocess.run(["nm", exe], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            self.assertNotIn(b"hidden_worker", out.stdout, "the program was not stripped")
        return exe

    def test_static_function_named_from_symtab(self):
        result = self.run_target([self.build(strip=False)])
        self.assert_exit(result, 0)
        self.assertGreater(self.load_folded(result, roots=["hidden"]).weight_with("hidden_worker"), 0,
                           self.describe(result))

    def test_stripped_program_named_from_its_separate_debug_file(self):
        result = self.run_target([self.build(strip=True)])
        self.assert_exit(result, 0)
        self.assertGreater(self.load_folded(result, roots=["hidden"]).weight_with("hidden_worker"), 0,
                           "hidden_worker not found through .gnu_debuglink\n" + self.describe(result))

    def test_stripped_program_without_debug_file_gives_module_offsets(self):
        exe = self.build(strip=True)
        os.unlink(exe + ".debug")
        result = self.run_target([exe])
        self.assert_exit(result, 0)
        folded = self.load_folded(result, roots=["hidden"])
        self.assertGreater(folded.weight_with_prefix("[hidden+0x"), 0, self.describe(result))

    def test_dlopened_library_is_named_across_reloads(self):
        lib = os.path.join(os.path.dirname(self.target("pg_dlopen")), "libpg_plugin.so")
        self.assertTrue(os.path.isfile(lib), "%s was not built" % lib)
        result = self.run_target([self.target("pg_dlopen"), lib])
        self.assert_exit(result, 0)
        folded = self.load_folded(result, roots=["pg_dlopen"])
        named = folded.weight_with("plugin_work")
        unnamed = folded.weight_with_prefix("[libpg_plugin.so+0x")
        self.assertGreater(named, 300, "plugin_work: %d samples, unresolved in the plugin: %d\n%s"
                           % (named, unnamed, self.describe(result)))

    def test_the_users_own_preload_is_kept(self):
        # The program sees our collector first and the user's library after it.
        lib = os.path.join(os.path.dirname(self.target("pg_dlopen")), "libpg_plugin.so")
        # Through --env, not profgate's own environment: a sanitizer build of
        # profgate refuses to start with a foreign library preloaded.
        result = self.run_target(["/bin/sh", "-c", 'echo "$LD_PRELOAD"'],
                                 options=["--env", "LD_PRELOAD=" + lib])
        self.assert_exit(result, 0)
        parts = result.stdout.decode().strip().split(":")
        self.assertEqual(len(parts), 2, self.describe(result))
        # What the command printed is the CPU run's (the memory run's output
        # is discarded): the collector without the allocation tracker.
        self.assertTrue(parts[0].endswith("/libprofgate_collector_cpu.so"), self.describe(result))
        self.assertEqual(parts[1], lib)


if __name__ == "__main__":
    unittest.main(verbosity=2)
