#!/usr/bin/env python3
"""Per-pair noise of interleaved timing on this machine: A/A pairs under the
intermittent CPU hog of verdict_bench.py.

Builds verdict_bench's work program twice (two copies of one binary, as a
base and a head that do not differ), then runs pairs of them in the order
interleaved mode uses (a random side first, the other first in the next
pair), each a fresh process, wall time from the clock and CPU time from
wait4, while the hog runs. Writes every pair's log ratios ln(head / base)
of CPU and wall time to a JSON file that bench/verdict_sim.py replays.

usage: bench/pair_noise.py [--pairs N] [--json FILE] [--no-hog]
"""

import argparse
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verdict_bench as vb  # noqa: E402


def one_run(path):
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.open(os.devnull, os.O_WRONLY)
            os.dup2(fd, 1)
            os.execv(path, [path])
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - start
    if status:
        raise SystemExit("%s failed: status %d" % (path, status))
    return wall, ru.ru_utime + ru.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=60)
    ap.add_argument("--json", default="pair_noise.json")
    ap.add_argument("--no-hog", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="pg-pair-noise-")
    try:
        src = os.path.join(tmp, "work.c")
        vb.write(src, vb.WORK_C)
        bins = [os.path.join(tmp, "base"), os.path.join(tmp, "head")]
        for b in bins:
            subprocess.run(["cc", "-O1", "-g", "-fno-omit-frame-pointer", "-fno-inline", "-o", b, src], check=True)
        rng = random.Random()
        load = os.getloadavg()[0]
        hog = None if a.no_hog else vb.Hog().__enter__()
        pairs = []
        try:
            for s in bins:
                one_run(s)
            first = 0
            for p in range(a.pairs):
                first = rng.randrange(2) if p % 2 == 0 else 1 - first
                got = [None, None]
                for k in range(2):
                    s = k ^ first
                    got[s] = one_run(bins[s])
                pairs.append({"first": ["base", "head"][first],
                              "base_wall": got[0][0], "head_wall": got[1][0],
                              "base_cpu": got[0][1], "head_cpu": got[1][1],
                              "wall": math.log(got[1][0] / got[0][0]),
                              "cpu": math.log(got[1][1] / got[0][1])})
        finally:
            if hog:
                hog.__exit__(None, None, None)
        load = max(load, os.getloadavg()[0])
        out = {"program": "verdict_bench work (0.12 s of CPU when idle)", "hog": not a.no_hog,
               "load_average_max": load, "pairs": pairs}
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
        for m in ("cpu", "wall"):
            r = [math.exp(x[m]) for x in pairs]
            print("%-4s ratios: min %.3f  median %.3f  max %.3f  (%d pairs)" % (
                m, min(r), statistics.median(r), max(r), len(r)))
        print("load average up to %.1f; written to %s" % (load, a.json))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
