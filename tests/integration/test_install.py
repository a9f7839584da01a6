"""Integration test: `cmake --install` puts profgate and its two collectors
where the installed profgate finds them, and the installed copy works from
any directory, preloading the CPU-only collector for the CPU run and the
full one for the memory run. Uses the build tree in $PG_BUILD_DIR and
pg_malloc_where from $PG_TARGETS."""

import os
import shutil
import subprocess
import tempfile
import unittest


class InstallTest(unittest.TestCase):

    def test_installed_profgate_runs_from_anywhere(self):
        build = os.environ.get("PG_BUILD_DIR")
        self.assertTrue(build and os.path.isdir(build), "PG_BUILD_DIR is not set to the build tree")
        prefix = tempfile.mkdtemp(prefix="pg-install-")
        try:
            inst = subprocess.run(["cmake", "--install", build, "--prefix", prefix],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
            self.assertEqual(inst.returncode, 0, inst.stdout.decode(errors="replace"))
            exe = os.path.join(prefix, "bin", "profgate")
            self.assertTrue(os.access(exe, os.X_OK), exe)
            for lib in ("libprofgate_collector.so", "libprofgate_collector_cpu.so"):
                self.assertTrue(os.path.isfile(os.path.join(prefix, "lib", "profgate", lib)), lib)
            work = tempfile.mkdtemp(prefix="pg-install-cwd-", dir=prefix)
            env = {k: v for k, v in os.environ.items() if k != "PROFGATE_COLLECTOR"}
            run = subprocess.run([exe, "run", "-q", "-o", "out", "--", "/bin/true"], cwd=work, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            self.assertEqual(run.returncode, 0, run.stderr.decode(errors="replace"))
            for name in ("profile.json", "cpu.folded", "report.html"):
                self.assertTrue(os.path.isfile(os.path.join(work, "out", name)), name)
            # The default run's two runs: malloc left to libc in the CPU run,
            # the installed full collector's in the memory run.
            where = os.path.join(work, "where")
            target = os.path.join(os.environ["PG_TARGETS"], "pg_malloc_where")
            run = subprocess.run([exe, "run", "-q", "-o", "out2", "--", target, where], cwd=work, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            self.assertEqual(run.returncode, 0, run.stderr.decode(errors="replace"))
            with open(where) as f:
                lines = f.read().splitlines()
            self.assertEqual(len(lines), 2, lines)
            self.assertIn("malloc=libc.so.6 ", lines[0])
            self.assertTrue(lines[0].endswith(" loaded=libprofgate_collector_cpu.so"), lines[0])
            self.assertIn("malloc=libprofgate_collector.so ", lines[1])
            self.assertTrue(lines[1].endswith(" loaded=libprofgate_collector.so"), lines[1])
        finally:
            shutil.rmtree(prefix, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
