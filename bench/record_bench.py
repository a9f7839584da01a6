#!/usr/bin/env python3
"""Benchmarks of `profgate record` and of reading baselines, against the
targets of the baseline issue. Every figure is a median of several runs on
this machine, measured in the same invocation as its reference:

  record overhead  wall time of `profgate record` over the sum of the wall
                   times of the benchmark runs it made (warm-up, timing and
                   memory runs, as stored in the baseline): what profgate
                   itself adds (launching, symbolizing, merging, writing).
                   Target: at most 5%. Also shown against the same runs made
                   bare (no profgate at all), which adds the profilers' own
                   cost inside the runs.
  read             reading a synthetic baseline of 50 benchmarks x 10k
                   stacks (realistic shape: 10-30 calls deep, about five new
                   calls per stack): parse (every metric of every benchmark,
                   stacks left encoded), parse + decode every benchmark's
                   stacks into profiles, and `profgate baseline show` (which
                   decodes and checks everything). Target: under 100 ms.

usage: bench/record_bench.py [--build DIR] [--runs N] [--json FILE]
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}


def sh(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, env=dict(os.environ, **GIT_ENV), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=600)
    if p.returncode != 0:
        sys.exit("bench: %s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr[-2000:]))
    return p.stdout


def runs_wall(baseline):
    """Seconds the benchmarks' own runs took, from the runs' metrics."""
    total = 0.0
    for b in baseline["benchmarks"].values():
        total += sum(b["warmup_wall_seconds"])
        total += sum(r["wall_seconds"] for r in b["runs"])
        total += sum(r["wall_seconds"] for r in b["mem_runs"])
    return total


def bench_record(profgate, build, runs, tmp):
    repo = os.path.join(tmp, "repo")
    os.makedirs(repo)
    sh(["git", "init", "-q", repo])
    sh(["git", "commit", "-q", "--allow-empty", "-m", "bench"], cwd=repo)
    benches = [
        {"name": "parse", "run": [os.path.join(build, "examples", "bench_parse"), "1000000"]},
        {"name": "threads", "run": [os.path.join(build, "examples", "bench_threads"), "1000"]},
    ]
    for b in benches:
        if not os.access(b["run"][0], os.X_OK):
            sys.exit("bench: %s is missing: build the examples" % b["run"][0])
    config = {"defaults": {"repeat": 5, "mem_repeat": 2, "warmup": 1}, "benchmarks": benches}
    with open(os.path.join(repo, "profgate.json"), "w") as f:
        json.dump(config, f)
    head = sh(["git", "rev-parse", "HEAD"], cwd=repo).strip()

    # Record and the same runs bare, interleaved, so that a slower phase of
    # a shared machine hits both alike.
    ratios, walls, inner, bare = [], [], [], []
    for i in range(runs):
        store = os.path.join(tmp, "store-%d" % i)
        t0 = time.monotonic()
        p = subprocess.run([profgate, "record", "-q", "--store", store], cwd=repo,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=1200)
        wall = time.monotonic() - t0
        if p.returncode != 0:
            sys.exit("bench: profgate record exited %d: %s" % (p.returncode, p.stderr))
        with open(os.path.join(store, head + ".json")) as f:
            own = runs_wall(json.load(f))
        walls.append(wall)
        inner.append(own)
        ratios.append(wall / own - 1)
        # 1 warm-up + 5 timing + 2 memory runs per benchmark.
        t0 = time.monotonic()
        for b in benches:
            for _ in range(8):
                subprocess.run(b["run"], stdout=subprocess.DEVNULL, check=True)
        bare.append(time.monotonic() - t0)
    return {
        "record_wall_s": statistics.median(walls),
        "runs_wall_s": statistics.median(inner),
        "overhead_over_runs_pct": 100 * statistics.median(ratios),
        "bare_runs_wall_s": statistics.median(bare),
        "overhead_over_bare_pct": 100 * (statistics.median(walls) / statistics.median(bare) - 1),
        "runs": runs,
    }


def synthetic_tree(stacks, names, rng):
    """The pre-order tree text of `stacks` distinct stacks, 10 to 30 calls
    deep, each keeping all but one to five calls of the previous one (as
    real programs do: a python3 json workload averages five new calls per
    stack), with weights 1..1000."""
    root = {}
    weights = {}
    prev = []
    made = 0
    while made < stacks:
        keep = max(0, len(prev) - rng.randint(1, 5)) if len(prev) > 6 else 0
        target = rng.randint(10, 30)
        stack = prev[:min(keep, target)]
        while len(stack) < target:
            stack.append(rng.randrange(names))
        key = tuple(stack)
        if key not in weights:
            made += 1
            node = root
            for f in stack:
                node = node.setdefault(f, {})
        weights[key] = weights.get(key, 0) + rng.randint(1, 1000)
        prev = stack
    lines = []
    total = 0
    path = []

    def walk(node, depth):
        nonlocal total
        for f, children in node.items():
            path.append(f)
            w = weights.get(tuple(path), 0)
            total += w
            lines.append("%d %d %d" % (depth, f, w) if w else "%d %d" % (depth, f))
            walk(children, depth + 1)
            path.pop()

    sys.setrecursionlimit(10000)
    walk(root, 1)
    return ",".join(lines), total, len(lines)


def synthetic_baseline(path, commit, nbench, stacks):
    rng = random.Random(42)
    names = 2000
    tree, total, nodes = synthetic_tree(stacks, names, rng)
    frames = ["project::module%d::function_name_%d(int, char const*)" % (i % 37, i) for i in range(names)]
    bench = {
        "command": ["./bench"], "recorded_at": "2024-05-01T12:00:00Z", "host_fingerprint": "0" * 16,
        "dirty": False, "hz": 999, "repeat": 5, "mem_repeat": 2, "warmup": 1, "mem_sample": 0,
        "warmup_wall_seconds": [1.0],
        "runs": [{"wall_seconds": 1.0 + i / 100, "cpu_seconds": 1.0, "samples": 1000, "peak_rss_bytes": 4 << 20,
                  "functions": {frames[k]: 0.01 * k for k in range(50)}} for i in range(5)],
        "mem_runs": [{"wall_seconds": 1.2, "peak_heap_bytes": 1 << 20, "peak_rss_bytes": 4 << 20,
                      "alloc_count": 100, "alloc_bytes": 1 << 21, "leaked_bytes": 0} for _ in range(2)],
        "hot_functions": [{"name": frames[k], "self": 0.01, "total": 0.02} for k in range(50)],
        "cpu": {"unit": "samples", "runs": 5, "total": total, "pruned": {"threshold": 0.0001, "stacks": 0, "weight": 0},
                "stacks": stacks, "frames": frames, "tree": tree},
        "mem_peak": None,
    }
    doc = {"schema": "profgate.baseline/1", "commit": commit, "recorded_at": "2024-05-01T12:00:00Z",
           "profgate_version": "bench", "dirty": False,
           "host": {"hostname": "bench", "cpu_model": "x", "cpus": 1, "kernel": "x", "arch": "x86_64",
                    "os": "x", "fingerprint": "0" * 16},
           "benchmarks": {"bench-%02d" % i: bench for i in range(nbench)}}
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    return nodes


def bench_read(profgate, build, runs, tmp):
    store = os.path.join(tmp, "synthetic")
    os.makedirs(store)
    commit = "ab" * 20
    path = os.path.join(store, commit + ".json")
    nodes = synthetic_baseline(path, commit, 50, 10000)
    tool = os.path.join(build, "tests", "baselines", "pg_baseline_read_bench")
    if not os.access(tool, os.X_OK):
        sys.exit("bench: %s is missing: build with PG_TESTS=ON" % tool)
    out = json.loads(sh([tool, path, str(max(runs, 5))]))
    shows = []
    for _ in range(max(runs, 5)):
        t0 = time.monotonic()
        p = subprocess.run([profgate, "baseline", "show", commit, "--store", store], cwd=tmp,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120)
        shows.append(time.monotonic() - t0)
        if p.returncode != 0:
            sys.exit("bench: baseline show exited %d: %s" % (p.returncode, p.stderr))
    out.update({"file_mb": os.path.getsize(path) / 1e6, "tree_lines_per_benchmark": nodes,
                "baseline_show_ms": 1e3 * statistics.median(shows)})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    profgate = os.path.join(build, "harness", "profgate")
    if not os.access(profgate, os.X_OK):
        sys.exit("bench: %s is missing: build first" % profgate)
    tmp = tempfile.mkdtemp(prefix="pg-record-bench-")
    try:
        rec = bench_record(profgate, build, args.runs, tmp)
        rd = bench_read(profgate, build, args.runs, tmp)
    finally:
        shutil.rmtree(tmp, True)
    print("record: %.2f s for benchmark runs of %.2f s: profgate adds %.1f%% (target <= 5%%); "
          "bare runs %.2f s (+%.1f%% with the profilers)" % (
              rec["record_wall_s"], rec["runs_wall_s"], rec["overhead_over_runs_pct"],
              rec["bare_runs_wall_s"], rec["overhead_over_bare_pct"]))
    print("read: %d benchmarks x %d stacks (%.1f MB): parse %.1f ms, parse + decode all stacks %.1f ms, "
          "`profgate baseline show` %.1f ms (target < 100 ms)" % (
              rd["benchmarks"], rd["stacks"] // max(rd["benchmarks"], 1), rd["file_mb"], rd["read_ms"],
              rd["read_and_decode_ms"], rd["baseline_show_ms"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"record": rec, "read": rd}, f, indent=2)


if __name__ == "__main__":
    main()
