"""Python frames in profiles, per CPython version: known shares of two
Python functions, a generator and a recursive function, threads, a C
function calling back into Python, wall mode with a sleeping thread, memory
attributed to the Python line that allocated, and a Python whose frames
profgate cannot read degrading to native frames with one line saying why.

Debian's python3.11 (ci/install-deps.sh installs it) always runs: its
absence is a failure. The source builds under $(pyenv root)/versions run
when they are there; a version that is absent is skipped with the reason
printed, never silently."""

import glob
import os
import re
import signal
import subprocess
import sys
import unittest

from pgtest import ProfgateTestCase

HERE = os.path.dirname(os.path.abspath(__file__))
PROG_DIR = os.path.join(HERE, "..", "targets", "python")
PROG = "pyprog.py"
COLLECTOR_MASK = r"""
import os
for tid in os.listdir("/proc/self/task"):
    with open("/proc/self/task/%s/comm" % tid) as f:
        if f.read().strip() != "profgate":
            continue
    with open("/proc/self/task/%s/status" % tid) as f:
        for line in f:
            if line.startswith("SigBlk:"):
                print("collector SigBlk", line.split()[1])
"""

KERNEL_HEAVY = ("import json\nx = [list(range(1000)) for i in range(2000)]\n"
                "for _ in range(2):\n    json.loads(json.dumps(x))\n")


def pyenv_root():
    root = os.environ.get("PYENV_ROOT")
    if root:
        return root
    try:
        return subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return os.path.expanduser("~/.pyenv")


def pyenv_python(minor):
    """The newest pyenv build of 3.<minor>, or None."""
    found = sorted(glob.glob(os.path.join(pyenv_root(), "versions", "3.%d.*" % minor,
                                          "bin", "python3.%d" % minor)))
    return found[-1] if found else None


SUPPORTED = [("debian_3_11", "/usr/bin/python3.11", True)]
for minor in (11, 12, 13):
    SUPPORTED.append(("pyenv_3_%d" % minor, pyenv_python(minor), False))
UNSUPPORTED = [("pyenv_3_10", pyenv_python(10))]


def skip_reason(path):
    return "no %s here (pyenv builds exist on developer machines, not on CI)" % path


class PythonFramesBase(ProfgateTestCase):
    """Per-version tests; subclasses set PYTHON."""

    PYTHON = None
    REQUIRED = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.REQUIRED and not (cls.PYTHON and os.access(cls.PYTHON, os.X_OK)):
            raise AssertionError("%s is missing: ci/install-deps.sh installs Debian's python3.11"
                                 % cls.PYTHON)

    def run_mode(self, mode, options=("--no-mem",)):
        result = self.profile_run(os.path.join(self.tmp, mode), [self.PYTHON, PROG, mode],
                                  options=list(options), cwd=PROG_DIR)
        self.assert_exit(result, 0)
        self.assertEqual(result.stdout.decode().strip(), "done " + mode, self.describe(result))
        profile = self.load_profile(result)
        self.assertIn("python", profile, self.describe(result))
        self.assertTrue(profile["python"]["frames"], "Python frames are off: %r\n%s"
                        % (profile["python"], self.describe(result)))
        return result, profile

    @staticmethod
    def inclusive(folded, prefix):
        """Weight of the stacks with a frame that starts with prefix."""
        return folded.total(lambda fr: any(f.startswith(prefix) for f in fr))

    def test_shares_of_two_functions(self):
        result, _ = self.run_mode("shares")
        folded = self.load_folded(result)
        heavy = self.inclusive(folded, "heavy (pyprog.py:")
        light = self.inclusive(folded, "light (pyprog.py:")
        why = "heavy %d, light %d\n%s" % (heavy, light, self.describe(result))
        self.assertGreater(heavy + light, 0.8 * folded.total(), why)
        self.assertAlmostEqual(heavy / (heavy + light), 0.75, delta=0.07, msg=why)
        # The line executing in each frame: spin's loop, heavy's call.
        self.assertGreater(folded.total(lambda fr: "heavy (pyprog.py:27)" in fr and
                                        any(f.startswith("spin (pyprog.py:1") for f in fr)),
                           0.5 * heavy, why)
        # The evaluator gives way to the Python frames it ran.
        self.assertEqual(folded.total(lambda fr: "heavy (pyprog.py:27)" in fr and
                                      "_PyEval_EvalFrameDefault" in fr), 0, why)

    def test_generator_and_recursion(self):
        result, _ = self.run_mode("genrec")
        folded = self.load_folded(result)
        why = self.describe(result)

        def gen_under_consumer(fr):
            names = [f.split(" (")[0] for f in fr]
            return all(n in names for n in ("consume", "produce", "spin")) and \
                names.index("consume") < names.index("produce") < names.index("spin")
        self.assertGreater(folded.total(gen_under_consumer), 0.2 * folded.total(), why)
        deep = folded.total(lambda fr: sum(f.startswith("rec (pyprog.py:") for f in fr) == 26)
        self.assertGreater(deep, 0.3 * folded.total(), "26 rec frames (rec(25) to rec(0))\n" + why)

    def test_threads(self):
        result, profile = self.run_mode("threads")
        folded = self.load_folded(result)
        a = self.inclusive(folded, "worker_a (pyprog.py:")
        b = self.inclusive(folded, "worker_b (pyprog.py:")
        why = "worker_a %d, worker_b %d\n%s" % (a, b, self.describe(result))
        self.assertGreater(a, 0.25 * (a + b), why)
        self.assertGreater(b, 0.25 * (a + b), why)
        self.assertGreater(folded.total(lambda fr: any(f.startswith("Thread.run (threading.py:")
                                                       for f in fr)), 0.8 * (a + b), why)
        # Each worker only ever under its own thread: no cross-thread frames.
        self.assertEqual(folded.total(lambda fr: any(f.startswith("worker_a") for f in fr) and
                                      any(f.startswith("worker_b") for f in fr)), 0, why)

    def test_c_function_calling_back_into_python(self):
        result, _ = self.run_mode("callback")
        folded = self.load_folded(result)
        why = self.describe(result)

        def callback_under_dumps(fr):
            names = [f.split(" (")[0] for f in fr]
            return "dumps" in names and "on_unknown" in names and \
                names.index("JSONEncoder.iterencode") < names.index("on_unknown")
        self.assertGreater(folded.total(callback_under_dumps), 0.5 * folded.total(), why)

    def test_wall_mode_sleeping_thread(self):
        result, _ = self.run_mode("sleep", options=("--no-mem", "--mode", "wall"))
        folded = self.load_folded(result, name="wall.folded")
        why = self.describe(result)
        waiting = folded.total(lambda fr: fr[-1] == "[waiting]" and
                               any(f.startswith("sleeper (pyprog.py:") for f in fr))
        # 1.2 s asleep at 999 Hz: most of it seen waiting inside sleeper.
        self.assertGreater(waiting, 0.5 * 1.2 * 999, why)

    def test_the_collector_thread_can_take_its_own_faults(self):
        # In wall mode the collector's thread reads the frames of threads
        # that wait, which may be exiting and freeing them: its reads run
        # under the fault guard, which only works if SIGSEGV and SIGBUS
        # reach that thread. They did not (it started with every signal
        # blocked and SIG_BLOCK only adds): 1 of 67, then 1 of 400 wall-mode
        # runs of tests/targets/python/stress.py died of SIGSEGV.
        result = self.profile_run(os.path.join(self.tmp, "mask"), [self.PYTHON, "-c", COLLECTOR_MASK],
                                  options=["--no-mem", "--mode", "wall"], cwd=PROG_DIR)
        why = self.describe(result)
        self.assertEqual(result.returncode, 0, why)
        found = re.search(r"^collector SigBlk ([0-9a-f]+)$", result.stdout.decode(), re.M)
        self.assertTrue(found, "no thread named profgate in the program\n" + why)
        blocked = int(found.group(1), 16)
        for sig in (signal.SIGSEGV, signal.SIGBUS):
            self.assertFalse(blocked >> (sig - 1) & 1, "%s is blocked in the collector's thread (SigBlk %s)"
                             % (sig.name, found.group(1)))

    def test_kernel_time_is_a_leaf_and_samples_add_up_to_cpu_time(self):
        # Big allocations: a third of the CPU time is page faults in the kernel.
        result = self.profile_run(os.path.join(self.tmp, "kernel"),
                                  [self.PYTHON, "-c", KERNEL_HEAVY], options=["--no-mem"], cwd=PROG_DIR)
        self.assert_exit(result, 0)
        profile = self.load_profile(result)
        folded = self.load_folded(result)
        why = self.describe(result)
        if profile["cpu"]["source"] not in ("perf-task-clock", "perf-task-clock-sigio"):
            self.skipTest("the CPU-time timer counts kernel time itself (source %s)" % profile["cpu"]["source"])
        seconds = folded.total() / profile["cpu"]["hz"]
        self.assertAlmostEqual(seconds / profile["cpu_seconds"], 1.0, delta=0.05,
                               msg="%.3f s of samples for %.3f CPU-seconds\n%s" % (seconds, profile["cpu_seconds"], why))
        kernel = folded.total(lambda fr: fr[-1] == "[kernel]")
        self.assertGreater(kernel, 0.05 * folded.total(), why)
        # Under the Python stack that caused it.
        self.assertGreater(folded.total(lambda fr: fr[-1] == "[kernel]" and
                                        any(f.startswith("<module> (<string>:") for f in fr)), 0.5 * kernel, why)

    def test_memory_attributed_to_python_lines(self):
        result, profile = self.run_mode("memory", options=())
        folded = self.load_folded(result, name="mem-peak.folded")
        why = self.describe(result)
        big = folded.total(lambda fr: any(f.startswith("alloc_big (pyprog.py:82)") for f in fr))
        self.assertGreaterEqual(big, 48 * 1024 * 1024, why)
        self.assertLess(big, 50 * 1024 * 1024, why)
        # 400000 objects of 16 bytes and a list of 400000 pointers.
        small = folded.total(lambda fr: any(f.startswith("alloc_small.<locals>.<listcomp> (pyprog.py:86)")
                                            or f.startswith("<listcomp> (pyprog.py:86)")
                                            or f.startswith("alloc_small (pyprog.py:86)")
                                            for f in fr))
        expected = 400000 * 16 + 400000 * 8
        self.assertGreater(small, 0.9 * expected, why)
        self.assertLess(small, 1.3 * expected, why)


class UnsupportedBase(ProfgateTestCase):
    PYTHON = None

    def test_native_frames_and_one_line_saying_why(self):
        result = self.profile_run(os.path.join(self.tmp, "out"), [self.PYTHON, PROG, "shares"],
                                  options=["--no-mem"], cwd=PROG_DIR)
        self.assert_exit(result, 0)
        profile = self.load_profile(result)
        why = self.describe(result)
        self.assertIn("python", profile, why)
        self.assertFalse(profile["python"]["frames"], why)
        self.assertIn("Python frames are off", profile["python"]["reason"], why)
        lines = [l for l in result.stderr_lines() if "Python frames are off" in l]
        self.assertEqual(len(lines), 1, why)
        folded = self.load_folded(result)
        self.assertGreater(folded.weight_with("_PyEval_EvalFrameDefault"), 0.5 * folded.total(), why)


def make_classes():
    out = {}
    for name, path, required in SUPPORTED:
        attrs = {"PYTHON": path, "REQUIRED": required}
        cls = type("Python_%s" % name, (PythonFramesBase,), attrs)
        if not required and not path:
            print("test_python: skipping %s: %s" % (name, skip_reason("a pyenv build of " + name[6:].replace("_", "."))),
                  file=sys.stderr)
            cls = unittest.skip(skip_reason("a pyenv build of " + name[6:].replace("_", ".")))(cls)
        out[cls.__name__] = cls
    for name, path in UNSUPPORTED:
        cls = type("Unsupported_%s" % name, (UnsupportedBase,), {"PYTHON": path})
        if not path:
            print("test_python: skipping %s: %s" % (name, skip_reason("a pyenv build of 3.10")), file=sys.stderr)
            cls = unittest.skip(skip_reason("a pyenv build of 3.10"))(cls)
        out[cls.__name__] = cls
    return out


globals().update(make_classes())
del PythonFramesBase, UnsupportedBase

if __name__ == "__main__":
    unittest.main(verbosity=2)
