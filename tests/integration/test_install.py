"""Integration test: `cmake --install` puts profgate and its collector where
the installed profgate finds them, and the installed copy works from any
directory. Uses the build tree in $PG_BUILD_DIR."""

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
            self.assertTrue(os.path.isfile(os.path.join(prefix, "lib", "profgate",
                                                        "libprofgate_collector.so")))
            work = tempfile.mkdtemp(prefix="pg-install-cwd-", dir=prefix)
            env = {k: v for k, v in os.environ.items() if k != "PROFGATE_COLLECTOR"}
            run = subprocess.run([exe, "run", "-q", "-o", "out", "--", "/bin/true"], cwd=work, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            self.assertEqual(run.returncode, 0, run.stderr.decode(errors="replace"))
            for name in ("profile.json", "cpu.folded", "report.html"):
                self.assertTrue(os.path.isfile(os.path.join(work, "out", name)), name)
        finally:
            shutil.rmtree(prefix, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
