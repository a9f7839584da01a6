#!/usr/bin/env python3
"""Benchmarks of the allocation tracker against the targets of its issue,
each figure a median of several runs measured side by side in one
invocation on this machine:

  exactness  the memray documentation's example (tests/targets/pg_mem_example,
             N = 16 MiB): bytes at the peak per function, and the peak against
             heaptrack's (computed from heaptrack's own event stream)
  overhead   bench/alloc_storm (about 26 million malloc/free calls): slowdown
             of profgate exact mode and of --mem-sample 524288 against the bare
             program, and heaptrack's slowdown on the same program
  memory     the tracker's own memory (peak RSS profiled minus bare) for 13
             and for 39 million calls: it must not grow with the events

Needs heaptrack (apt-get install heaptrack) for the comparisons.
usage: bench/mem_bench.py [--build DIR] [--runs N] [--json FILE]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

N = 16 << 20


def timed(argv, env=None):
    t0 = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, timeout=900)
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} exited {p.returncode}: {p.stderr.decode()[-2000:]}")
    return time.monotonic() - t0


def heaptrack_peak(datafile):
    """Peak of live bytes replayed from heaptrack's event stream:
    'a SIZE TRACE' defines allocation info i, '+ i' allocates, '- i' frees."""
    sizes, cur, peak = [], 0, 0
    out = subprocess.run(["zstdcat", datafile], stdout=subprocess.PIPE, check=True).stdout
    for line in out.decode(errors="replace").splitlines():
        if line.startswith("a "):
            sizes.append(int(line.split()[1], 16))
        elif line.startswith("+ "):
            cur += sizes[int(line.split()[1], 16)]
            peak = max(peak, cur)
        elif line.startswith("- "):
            cur -= sizes[int(line.split()[1], 16)]
    return peak


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json")
    a = ap.parse_args()
    pg = os.path.join(a.build, "harness", "profgate")
    example = os.path.join(a.build, "tests", "targets", "pg_mem_example")
    storm = os.path.join(a.build, "bench", "pg_alloc_storm")
    for p in (pg, example, storm):
        if not os.access(p, os.X_OK):
            sys.exit(f"bench: '{p}' is missing; build first (ci/build.sh {a.build})")
    for tool in ("heaptrack", "zstdcat"):
        if not shutil.which(tool):
            sys.exit(f"bench: '{tool}' is not installed (apt-get install heaptrack zstd)")
    tmp = tempfile.mkdtemp(prefix="pg-membench-")
    out = os.path.join(tmp, "out")
    res = {}

    def progress(msg):
        print(f"bench: {msg}", file=sys.stderr, flush=True)

    # 1. exactness
    progress("exactness: pg_mem_example under profgate and heaptrack")
    timed([pg, "run", "-q", "--no-cpu", "-o", out, "--", example, str(N)])
    with open(os.path.join(out, "profile.json")) as f:
        prof = json.load(f)
    leaves = {}
    with open(os.path.join(out, "mem-peak.folded")) as f:
        for line in f:
            stack, w = line.rsplit(" ", 1)
            leaf = stack.split(";")[-1]
            leaves[leaf] = leaves.get(leaf, 0) + int(w)
    expected = {"g": 2 * N, "e": N, "i_": N, "d": N // 2}
    ht_file = os.path.join(tmp, "ht-example")
    timed(["heaptrack", "-o", ht_file, example, str(N)])
    ht_peak = heaptrack_peak(ht_file + ".zst")
    ours = prof["memory"]["peak_heap_bytes"]
    res["exactness"] = {"peak_by_function": leaves, "expected": expected, "exact": leaves == expected,
                        "profgate_peak": ours, "heaptrack_peak": ht_peak,
                        "difference": abs(ours - ht_peak) / ht_peak}

    # 2. overhead, interleaved
    bare, exact, sampled, ht = [], [], [], []
    for i in range(a.runs):
        progress(f"overhead round {i + 1}/{a.runs}")
        bare.append(timed([storm]))
        exact.append(timed([pg, "run", "-q", "--no-cpu", "-o", out, "--", storm]))
        sampled.append(timed([pg, "run", "-q", "--no-cpu", "--mem-sample", "524288", "-o", out, "--", storm]))
        ht.append(timed(["heaptrack", "-o", os.path.join(tmp, "ht-storm"), storm]))
        for f in os.listdir(tmp):
            if f.startswith("ht-storm"):
                os.unlink(os.path.join(tmp, f))
    b = statistics.median(bare)
    res["overhead"] = {
        "bare_s": b, "exact_s": statistics.median(exact), "sampled_s": statistics.median(sampled),
        "heaptrack_s": statistics.median(ht),
        "exact_slowdown": statistics.median(exact) / b, "sampled_slowdown": statistics.median(sampled) / b,
        "heaptrack_slowdown": statistics.median(ht) / b,
        "runs": {"bare": bare, "exact": exact, "sampled": sampled, "heaptrack": ht}}

    # 3. the tracker's memory does not grow with events
    mem = {}
    for millions in (13, 39):
        progress(f"tracker memory, {millions} M calls")
        timed([pg, "run", "-q", "--no-cpu", "-o", out, "--", storm, str(millions)])
        with open(os.path.join(out, "profile.json")) as f:
            tracked = json.load(f)["memory"]["peak_rss_bytes"]
        timed([pg, "run", "-q", "--no-cpu", "--no-mem", "-o", out, "--", storm, str(millions)])
        with open(os.path.join(out, "profile.json")) as f:
            untracked = json.load(f)["memory"]["peak_rss_bytes"]
        mem[millions] = tracked - untracked
    res["tracker_memory_bytes"] = mem

    o = res["overhead"]
    e = res["exactness"]
    print(f"{'metric':<46} {'value':>12}  target")
    print(f"{'peak by function exactly g 2N, e N, i N, d N/2':<46} {str(e['exact']):>12}  True")
    print(f"{'peak vs heaptrack (relative difference)':<46} {e['difference']:>12.4f}  <= 0.01")
    print(f"{'storm slowdown, heaptrack':<46} {o['heaptrack_slowdown']:>12.2f}  (reference)")
    print(f"{'storm slowdown, profgate exact':<46} {o['exact_slowdown']:>12.2f}  <= {o['heaptrack_slowdown'] / 2:.2f} (half of heaptrack's)")
    print(f"{'storm slowdown, --mem-sample 524288':<46} {o['sampled_slowdown']:>12.2f}  <= 1.30")
    print(f"{'tracker memory, 13 M calls (bytes)':<46} {mem[13]:>12}  same as 39 M")
    print(f"{'tracker memory, 39 M calls (bytes)':<46} {mem[39]:>12}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
