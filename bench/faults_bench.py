#!/usr/bin/env python3
"""Benchmarks of the collector's behaviour under the fault cases of issue 16.

  churn   one thread per request, 50 allocation sites, for --seconds (3):
          the raw record's size (the collector preloaded as `profgate run`
          does, its record files kept) and the 99.9th percentile and worst
          malloc latency the program measures itself, beside the same
          program alone (the reference, same invocation)
  wall    1,500 sleeping threads in --mode wall: each thread's weight
          against the mean (and against its own time alive), record size
  forks   1,000 forks of a program whose four threads allocate all along,
          each child allocating before it exits: children not gone after
          5 s are hung (the program counts and kills them)

Medians over --runs. usage: bench/faults_bench.py [--build DIR] [--runs N]
       [--only churn,wall,forks] [--seconds S] [--forks N] [--json FILE]
"""
import argparse
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def collector_env(build, raw, mode="cpu", mem=True):
    """What `profgate run` puts in the program's environment, with a record
    folder we keep: the record files are what the collector wrote. Without
    memory tracking, the collector without the tracker, as profgate picks."""
    lib = os.path.join(build, "lib", "profgate",
                       "libprofgate_collector.so" if mem else "libprofgate_collector_cpu.so")
    return dict(os.environ, LD_PRELOAD=lib, PROFGATE_RAW_DIR=raw, PROFGATE_MODE=mode,
                PROFGATE_HZ="999", PROFGATE_MEM="1" if mem else "0")


def record_bytes(raw):
    return sum(os.path.getsize(p) for p in glob.glob(os.path.join(raw, "*.pgr")))


def parse_churn(text):
    m = re.search(r"requests=(\d+) mallocs=(\d+) p999_us=(\d+) worst_us=(\d+)", text)
    if not m:
        raise SystemExit("pg_churn printed %r" % text)
    return {k: int(v) for k, v in zip(("requests", "mallocs", "p999_us", "worst_us"), m.groups())}


def churn(build, runs, seconds):
    prog = os.path.join(build, "tests", "targets", "pg_churn")
    alone, profiled = [], []
    for _ in range(runs):
        out = subprocess.run([prog, "requests", str(seconds)], capture_output=True, text=True, timeout=120)
        alone.append(parse_churn(out.stdout))
        raw = tempfile.mkdtemp(prefix="pg-faults-churn-")
        try:
            out = subprocess.run([prog, "requests", str(seconds)], capture_output=True, text=True,
                                 env=collector_env(build, raw), timeout=300)
            r = parse_churn(out.stdout)
            r["record_mb"] = record_bytes(raw) / 1e6
            profiled.append(r)
        finally:
            shutil.rmtree(raw, ignore_errors=True)

    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    return {
        "seconds": seconds,
        "alone": {k: med(alone, k) for k in ("requests", "p999_us", "worst_us")},
        "profiled": {k: med(profiled, k) for k in ("requests", "p999_us", "worst_us", "record_mb")},
        "profiled_runs": profiled,
        "targets": {"record_mb_below": 20, "p999_us_below": 5000},
    }


def wall(build, runs, profgate):
    prog = os.path.join(build, "tests", "targets", "pg_sleepers")
    rows = []
    for _ in range(runs):
        out = tempfile.mkdtemp(prefix="pg-faults-wall-")
        raw = tempfile.mkdtemp(prefix="pg-faults-wallraw-")
        try:
            p = subprocess.run([profgate, "run", "-q", "-o", out, "--mode", "wall", "--no-mem", "--",
                                prog, "1500", "2", "lives"], capture_output=True, text=True, timeout=600)
            if p.returncode != 0:
                raise SystemExit("profgate run failed: %s" % p.stderr[-2000:])
            with open(os.path.join(out, "profile.json")) as f:
                profile = json.load(f)
            hz = profile["cpu"]["hz"]
            lives = {int(a): float(b) for a, b in (l.split() for l in p.stdout.splitlines())}
            weights = {t["tid"]: t["weight"] for t in profile["threads"] if t["tid"] != t["pid"]}
            mean = statistics.mean(weights.values())
            spread = max(abs(w - mean) / mean for w in weights.values())
            vs_life = max(abs(weights[t] - lives[t] * hz) / (lives[t] * hz) for t in lives)
            # The record, written by the collector alone with the same settings.
            subprocess.run([prog, "1500", "2"], capture_output=True, env=collector_env(build, raw, "wall", False),
                           timeout=600)
            rows.append({"threads": len(weights), "max_off_mean": spread, "max_off_life": vs_life,
                         "record_mb": record_bytes(raw) / 1e6})
        finally:
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(raw, ignore_errors=True)
    return {
        "median_max_off_mean": statistics.median(r["max_off_mean"] for r in rows),
        "median_max_off_life": statistics.median(r["max_off_life"] for r in rows),
        "median_record_mb": statistics.median(r["record_mb"] for r in rows),
        "runs": rows,
        "target": "every thread within 10% of the mean",
    }


def forks(build, n):
    prog = os.path.join(build, "tests", "targets", "pg_hangs")
    raw = tempfile.mkdtemp(prefix="pg-faults-forks-")
    try:
        t0 = time.monotonic()
        p = subprocess.run([prog, "forks", str(n)], capture_output=True, text=True,
                           env=collector_env(build, raw), timeout=3600)
        m = re.search(r"forks=(\d+) hung=(\d+)", p.stdout)
        if not m:
            raise SystemExit("pg_hangs printed %r %r" % (p.stdout, p.stderr[-2000:]))
        return {"forks": int(m.group(1)), "hung": int(m.group(2)), "seconds": time.monotonic() - t0,
                "records": len(glob.glob(os.path.join(raw, "*.pgr")))}
    finally:
        shutil.rmtree(raw, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default="churn,wall,forks")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--forks", type=int, default=1000)
    ap.add_argument("--json")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    profgate = os.path.join(build, "harness", "profgate")
    parts = args.only.split(",")
    res = {}
    if "churn" in parts:
        res["churn"] = churn(build, args.runs, args.seconds)
        c = res["churn"]
        print("churn %.0f s: record %.1f MB (target < 20), malloc p99.9 %d us (alone %d), worst %d us "
              "(alone %d), requests %d (alone %d)" % (
                  args.seconds, c["profiled"]["record_mb"], c["profiled"]["p999_us"], c["alone"]["p999_us"],
                  c["profiled"]["worst_us"], c["alone"]["worst_us"], c["profiled"]["requests"],
                  c["alone"]["requests"]), flush=True)
    if "wall" in parts:
        res["wall"] = wall(build, args.runs, profgate)
        w = res["wall"]
        print("wall 1500 sleepers: worst thread %.1f%% off the mean, %.1f%% off its time alive, record %.1f MB"
              % (100 * w["median_max_off_mean"], 100 * w["median_max_off_life"], w["median_record_mb"]),
              flush=True)
    if "forks" in parts:
        res["forks"] = forks(build, args.forks)
        f = res["forks"]
        print("forks: %d hung of %d (%.0f s)" % (f["hung"], f["forks"], f["seconds"]), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)


if __name__ == "__main__":
    main()
