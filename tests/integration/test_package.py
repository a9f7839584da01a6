"""The release packages of ci/package.sh, installed where nothing of
profgate's build is: a fresh Debian 12 root made with debootstrap (minbase)
in a folder, entered with chroot.

- The relocatable tarball, unpacked under /opt of the fresh root with none of
  its libraries installed there, profiles an example benchmark: the CLI finds
  the collectors next to itself and they load the libraries they carry; the
  CPU run preloads the CPU-only collector (malloc stays libc's), the memory
  run the full one.
- The .deb, installed with apt-get (which brings its dependencies from
  Debian's mirror), runs `profgate record` and `profgate check` of the
  example suite (examples/profgate.json, with the example programs of this
  build) in a git repository made in the root.

The debootstrap tarball is kept in $PG_BUILD_DIR/debootstrap/ and made once
(about 30 s); each run unpacks it into a new root (about 20 s), then apt
fetches the .deb's dependencies. Without debootstrap or the mirror, the test
fails saying so (`PROFGATE_PACKAGE_TESTS=1 bash ci/install-deps.sh` installs
debootstrap). Needs root, as chroot does. Labelled `package` in CTest:
ci/test.sh runs it; `ctest -LE package` leaves it out while developing."""

import glob
import json
import os
import shutil
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
MIRROR = os.environ.get("PG_DEBIAN_MIRROR", "http://deb.debian.org/debian")
SUITE = "bookworm"


def run(argv, timeout=600, **kwargs):
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout, **kwargs)
    return proc.returncode, proc.stdout


class PackageTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.build = os.environ.get("PG_BUILD_DIR")
        if not cls.build or not os.path.isdir(cls.build):
            raise AssertionError("PG_BUILD_DIR is not set to the build tree")
        if os.geteuid() != 0:
            raise AssertionError("this test needs root (debootstrap, chroot, mount): it did not run")
        if not shutil.which("debootstrap"):
            raise AssertionError("debootstrap is missing: run 'PROFGATE_PACKAGE_TESTS=1 bash ci/install-deps.sh'")
        for name in ("bench_parse", "bench_threads"):
            if not os.access(os.path.join(cls.build, "examples", name), os.X_OK):
                raise AssertionError("the build has no examples/%s" % name)
        cls.dist = os.path.join(cls.build, "package-test-dist")
        code, out = run(["bash", os.path.join(SOURCE, "ci", "package.sh"),
                         "--build-dir", os.path.join(cls.build, "package-test-build"), "--out", cls.dist])
        if code != 0:
            raise AssertionError("ci/package.sh failed (%d):\n%s" % (code, out[-6000:]))
        debs = glob.glob(os.path.join(cls.dist, "profgate_*.deb"))
        tars = glob.glob(os.path.join(cls.dist, "profgate-*-linux-*.tar.gz"))
        if len(debs) != 1 or len(tars) != 1:
            raise AssertionError("ci/package.sh should leave one .deb and one tarball in %s: %s"
                                 % (cls.dist, os.listdir(cls.dist)))
        cls.deb, cls.tarball = debs[0], tars[0]
        cls.base_tarball = cls.debootstrap_tarball()

    @classmethod
    def debootstrap_tarball(cls):
        """Debian 12 minbase as debootstrap --make-tarball leaves it, made once."""
        cache = os.path.join(cls.build, "debootstrap")
        path = os.path.join(cache, "%s-minbase.tgz" % SUITE)
        if os.path.isfile(path):
            return path
        os.makedirs(cache, exist_ok=True)
        work = tempfile.mkdtemp(prefix="work-", dir=cache)
        tmp = path + ".tmp.tgz"
        try:
            code, out = run(["debootstrap", "--variant=minbase", "--make-tarball=" + tmp, SUITE, work, MIRROR],
                            timeout=900)
            if code != 0 or not os.path.isfile(tmp):
                raise AssertionError("debootstrap could not fetch Debian 12 from %s (exit %d): the package "
                                     "test cannot run without the mirror\n%s" % (MIRROR, code, out[-4000:]))
            os.replace(tmp, path)
        finally:
            shutil.rmtree(work, ignore_errors=True)
            if os.path.exists(tmp):
                os.remove(tmp)
        return path

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="pg-debian12-root-", dir=self.build)
        self.mounted = []
        code, out = run(["debootstrap", "--variant=minbase", "--unpack-tarball=" + self.base_tarball,
                         SUITE, self.root, MIRROR], timeout=900)
        self.assertEqual(code, 0, "debootstrap of Debian 12 into %s failed:\n%s" % (self.root, out[-4000:]))
        shutil.copy("/etc/resolv.conf", os.path.join(self.root, "etc", "resolv.conf"))
        proc = os.path.join(self.root, "proc")
        code, out = run(["mount", "-t", "proc", "proc", proc])
        self.assertEqual(code, 0, "cannot mount /proc in the root: %s" % out)
        self.mounted.append(proc)

    def tearDown(self):
        for path in reversed(self.mounted):
            subprocess.run(["umount", "-l", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Never remove a tree while something is still mounted in it.
        with open("/proc/mounts") as f:
            if any(line.split()[1].startswith(self.root + "/") for line in f):
                raise AssertionError("something is still mounted under %s: left in place" % self.root)
        shutil.rmtree(self.root, ignore_errors=True)

    def chroot(self, script, timeout=600, env=None):
        """Runs a shell script inside the root with a plain environment."""
        argv = ["chroot", self.root, "/usr/bin/env", "-i", "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
                "HOME=/root", "LANG=C.UTF-8", "DEBIAN_FRONTEND=noninteractive"]
        argv += ["%s=%s" % kv for kv in (env or {}).items()]
        return run(argv + ["/bin/sh", "-ec", script], timeout=timeout)

    def install_examples(self):
        """The example suite as a project: examples/profgate.json and the
        example programs where it looks for them (../build/examples/)."""
        src = os.path.join(self.root, "work", "src")
        os.makedirs(os.path.join(src, "examples"))
        os.makedirs(os.path.join(src, "build", "examples"))
        shutil.copy(os.path.join(SOURCE, "examples", "profgate.json"), os.path.join(src, "examples"))
        for name in ("bench_parse", "bench_threads"):
            shutil.copy(os.path.join(self.build, "examples", name), os.path.join(src, "build", "examples"))
        with open(os.path.join(src, ".gitignore"), "w") as f:
            f.write("/build/\n/.profgate/\n/profgate-report/\n")
        return "/work/src"

    def test_tarball_runs_unpacked_without_its_libraries_installed(self):
        code, out = run(["tar", "-C", os.path.join(self.root, "opt"), "-xzf", self.tarball])
        self.assertEqual(code, 0, out)
        top = os.path.basename(self.tarball)[:-len(".tar.gz")]
        # The fresh root has none of the libraries profgate links besides glibc's.
        code, out = self.chroot("ls /usr/lib/x86_64-linux-gnu/libgit2.so.* /usr/lib/x86_64-linux-gnu/libunwind.so.* "
                                "/usr/lib/x86_64-linux-gnu/libdw.so.* 2>/dev/null || true")
        self.assertEqual(out.strip(), "", "the fresh root already has profgate's libraries")
        self.install_examples()
        # Moved after unpacking: the tree is relocatable.
        os.rename(os.path.join(self.root, "opt", top), os.path.join(self.root, "opt", "elsewhere"))
        code, out = self.chroot("cd /work/src && /opt/elsewhere/bin/profgate run -q -o /tmp/prof "
                                "-- build/examples/bench_parse 200000 && cat /tmp/prof/cpu.folded")
        self.assertEqual(code, 0, "the unpacked tarball's profgate failed in a fresh Debian 12 root:\n%s" % out)
        self.assertIn("parse_field", out, "the profile of bench_parse does not name parse_field():\n%s" % out[-3000:])
        # Both collectors ship, and the CPU run takes the one that leaves
        # malloc to libc (the memory run the full one).
        shutil.copy(os.path.join(self.build, "tests", "targets", "pg_malloc_where"), os.path.join(self.root, "work"))
        code, out = self.chroot("ls /opt/elsewhere/lib/profgate/ && /opt/elsewhere/bin/profgate run -q "
                                "-o /tmp/where-prof -- /work/pg_malloc_where /tmp/where && cat /tmp/where")
        self.assertEqual(code, 0, out)
        self.assertIn("libprofgate_collector_cpu.so\n", out)
        self.assertIn("malloc=libc.so.6 ", out)
        self.assertIn(" loaded=libprofgate_collector_cpu.so\n", out)
        self.assertIn("malloc=libprofgate_collector.so ", out)
        self.assertIn(" loaded=libprofgate_collector.so\n", out)

    def test_deb_installs_with_apt_and_checks_the_example_suite(self):
        shutil.copy(self.deb, os.path.join(self.root, "tmp"))
        deb = "/tmp/" + os.path.basename(self.deb)
        code, out = self.chroot("apt-get update -q && apt-get install -y -q --no-install-recommends %s" % deb,
                                timeout=900)
        self.assertEqual(code, 0, "apt-get could not install the .deb in a fresh Debian 12 root:\n%s" % out[-6000:])
        code, out = self.chroot("command -v profgate && profgate --version && ls /usr/lib/profgate/")
        self.assertEqual(code, 0, out)
        self.assertIn("/usr/bin/profgate", out)
        self.assertIn("libprofgate_collector.so\n", out)
        self.assertIn("libprofgate_collector_cpu.so\n", out)
        src = self.install_examples()
        code, out = self.chroot(
            "cd %s && git init -q && git add -A && git -c user.name=ci -c user.email=ci@localhost "
            "commit -q -m examples && profgate record -c examples/profgate.json" % src, timeout=900)
        self.assertEqual(code, 0, "profgate record of the example suite failed:\n%s" % out[-6000:])
        # The script runs under sh -e: the check's own status (1 or 3 on a
        # noisy machine) must not end it before it is printed.
        code, out = self.chroot("cd %s && set +e; profgate check -c examples/profgate.json --base HEAD "
                                "--out /work/report; echo \"exit=$?\"" % src, timeout=900)
        status = int(out.strip().splitlines()[-1].split("=", 1)[1])
        # Timings on a shared machine may move beyond the example's 10%
        # thresholds (1), or too noisy to decide (3); an error (2) is a failure.
        self.assertIn(status, (0, 1, 3), "profgate check of the example suite failed:\n%s" % out[-6000:])
        report = os.path.join(self.root, "work", "report")
        with open(os.path.join(report, "result.json"), encoding="utf-8") as f:
            result = json.load(f)
        self.assertEqual(result["exit_code"], status)
        self.assertEqual(result["baseline"]["status"], "found", result["baseline"])
        self.assertEqual(sorted(b["name"] for b in result["benchmarks"]), ["parse", "threads"])
        parse = [b for b in result["benchmarks"] if b["name"] == "parse"][0]
        # The heap of a deterministic program is exact: unchanged, whatever the load.
        peak = [m for m in parse["metrics"] if m["metric"] == "peak_heap" and m["function"] is None][0]
        self.assertEqual(peak["verdict"], "unchanged", peak)
        self.assertTrue(peak["exact"], peak)
        for name in ("summary.md", "junit.xml", "index.html"):
            self.assertTrue(os.path.isfile(os.path.join(report, name)), name)
        with open(os.path.join(report, "parse", "cpu.folded"), encoding="utf-8") as f:
            self.assertIn("parse_field", f.read())


if __name__ == "__main__":
    unittest.main(verbosity=2)
