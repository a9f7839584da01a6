#!/usr/bin/env python3
"""What the GitHub Action's own steps cost on a cache hit, before the first
benchmark runs (issue 14's target: at most 15 s).

The action (ci/action.yml) is played by the stand-in runner of
tests/integration/test_pipeline.py, on a pull request of a throwaway project
(a bare origin with a recorded baseline in refs/notes/profgate, a runner
clone with fetch-depth 0), with the profgate of a build directory in the
stand-in actions/cache: every step runs for real except the cache's download
(network; its stand-in is a local copy, timed apart and left out) and the
artifact upload (after the benchmarks anyway). The benchmark program is a
wrapper that writes the time it starts, so the figure is exactly: from the
first step of the action to the first benchmark process.

In the same run, as the reference, the same check started directly
(`profgate check` in the same clone): the time profgate itself needs before
its first benchmark. The action's own cost is the difference.

    python3 bench/action_overhead.py --build build [--runs 5]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
TESTS = os.path.join(SOURCE, "tests", "integration")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"), help="build directory (default build/)")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    os.environ["PROFGATE"] = os.path.join(build, "harness", "profgate")
    os.environ["PG_TARGETS"] = os.path.join(build, "tests", "targets")
    os.environ["PG_BUILD_DIR"] = build
    sys.path.insert(0, TESTS)
    import test_pipeline as tp  # the stand-in runner

    work = tempfile.mkdtemp(prefix="pg-action-overhead-")
    stamp = os.path.join(work, "first-benchmark")
    real_heap = os.path.join(os.environ["PG_TARGETS"], "pg_check_heap")
    wrapper = os.path.join(work, "bench")
    with open(wrapper, "w") as f:
        f.write('#!/bin/sh\npython3 -c "import time; print(repr(time.time()))" >> "%s"\nexec "%s" "$@"\n'
                % (stamp, real_heap))
    os.chmod(wrapper, 0o755)

    class Bench(tp.PipelineTest):
        pass

    Bench.setUpClass()
    Bench.heap = wrapper  # the project's benchmarks start with the stamp
    t = Bench("test_ci_files_agree")
    action_s, direct_s, restore_s = [], [], []
    try:
        for k in range(args.runs):
            t.setUp()
            t.push_pr("pr%d" % k, 30 + k, "change %d" % k, grow=False, extra_file="F%d.md" % k)
            state = t.gh_state([], pr=30 + k)
            log = os.path.join(t.tmp, "gh.log")

            # Reference: profgate check started directly in a runner clone.
            ws = t.github_runner(30 + k, "direct")
            tp.git(ws, "fetch", "-q", "origin", "refs/notes/profgate:refs/notes/profgate")
            if os.path.exists(stamp):
                os.remove(stamp)
            t0 = time.time()
            subprocess.run([os.environ["PROFGATE"], "check", "-q", "--out", "direct-report"], cwd=ws,
                           env=tp.clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            direct_s.append(first_stamp(stamp) - t0)

            # The action, on a cache hit.
            ws = t.github_runner(30 + k, "action")
            env = t.action_env(ws, state, log)
            if os.path.exists(stamp):
                os.remove(stamp)
            copy_time = []
            real_copytree = shutil.copytree

            def timed_copytree(*a, **kw):
                c0 = time.time()
                try:
                    return real_copytree(*a, **kw)
                finally:
                    copy_time.append(time.time() - c0)

            tp.shutil.copytree = timed_copytree
            try:
                t0 = time.time()
                run = t.run_action(ws, {"store": "git-notes", "comment": "false"}, env, pr=30 + k)
            finally:
                tp.shutil.copytree = real_copytree
            if run.outputs.get("exit-code") not in ("0", "1", "3"):
                raise SystemExit("the action's check failed:\n%s" % run.step("profgate check")["run"])
            install = run.step("install profgate")["run"].stdout
            if "from the cache" not in install:
                raise SystemExit("not a cache hit:\n%s" % install)
            restore = copy_time[0] if copy_time else 0.0
            restore_s.append(restore)
            action_s.append(first_stamp(stamp) - t0 - restore)
            t.doCleanups()
            print("run %d: action %.2f s to the first benchmark (cache download stand-in %.3f s left out), "
                  "profgate check alone %.2f s" % (k + 1, action_s[-1], restore, direct_s[-1]), flush=True)
    finally:
        Bench.doClassCleanups()
        shutil.rmtree(work, ignore_errors=True)
    a, d = statistics.median(action_s), statistics.median(direct_s)
    print("median over %d runs: the action's steps to the first benchmark %.2f s (min %.2f, max %.2f); "
          "profgate check alone %.2f s; the action's own steps %.2f s (target: at most 15 s)"
          % (len(action_s), a, min(action_s), max(action_s), d, a - d))


def first_stamp(path):
    with open(path) as f:
        return float(f.readline())


if __name__ == "__main__":
    main()
