#!/usr/bin/env python3
"""Benchmark of `profgate diff` on two large profiles.

Generates, deterministically, BEFORE: the folded file of report_bench.py
(200,000 distinct stacks up to 48 frames deep, about 74 MB), and AFTER: a
perturbed copy of it, as a real change would leave it: about 4% of the
stacks removed, 4% added (a new function called somewhere in an existing
stack), 20% reweighted (x0.25 to x4), the rest unchanged. Then measures:

- `profgate diff before.folded after.folded -o diff.html` (median of --runs
  runs) and the size of the HTML (target: < 2 s; difffolded.pl followed by
  flamegraph.pl take about 59 s on the same input);
- the same to SVG and to difffolded text, for comparison;
- with --flamegraph-dir DIR (a checkout of brendangregg/FlameGraph): the
  Perl pipeline `difffolded.pl before after | flamegraph.pl`, once.

Usage: python3 bench/diff_bench.py --build BUILD_DIR [--runs 5] [--keep DIR]
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

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import report_bench  # noqa: E402  (the BEFORE profile is its big file)

SEED = 20240612
REMOVE = 0.04
ADD = 0.04
REWEIGHT = 0.20


def perturb(src, dst):
    """Writes AFTER from BEFORE's lines; returns (stacks, bytes)."""
    rng = random.Random(SEED)
    with open(src) as f:
        lines = f.read().splitlines()
    out = []
    seen = set()
    for line in lines:
        stack, _, weight = line.rpartition(" ")
        weight = int(weight)
        r = rng.random()
        if r < REMOVE:
            continue
        if r < REMOVE + REWEIGHT:
            weight = max(1, int(round(weight * rng.choice([0.25, 0.5, 0.75, 1.5, 2.0, 4.0]))))
        out.append((stack, weight))
        seen.add(stack)
        if rng.random() < ADD:
            # A new callee somewhere along this stack: new code on a path.
            frames = stack.split(";")
            cut = rng.randint(5, len(frames))
            new = ";".join(frames[:cut] + ["new::fast_path_%d" % rng.randrange(400)])
            if new not in seen:
                seen.add(new)
                out.append((new, max(1, int(rng.paretovariate(1.3)))))
    out.sort()
    with open(dst, "w") as f:
        f.writelines("%s %d\n" % (s, w) for s, w in out)
    return len(out), os.path.getsize(dst)


def timed(argv, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            sys.exit("%s failed (exit %d): %s" % (" ".join(argv), r.returncode, r.stderr.strip()))
    return statistics.median(times), times


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(REPO, "build"), help="build directory")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", help="write the files here and keep them")
    ap.add_argument("--flamegraph-dir", help="a FlameGraph checkout, to time difffolded.pl | flamegraph.pl")
    args = ap.parse_args()

    profgate = os.path.join(args.build, "harness", "profgate")
    if not os.access(profgate, os.X_OK):
        sys.exit("no profgate at %s: build first (cmake --build %s)" % (profgate, args.build))
    work = args.keep or tempfile.mkdtemp(prefix="diff_bench.")
    os.makedirs(work, exist_ok=True)
    before = os.path.join(work, "before.folded")
    after = os.path.join(work, "after.folded")
    results = {}
    try:
        t0 = time.perf_counter()
        nb, sb = report_bench.generate(before)
        na, sa = perturb(before, after)
        print("generated %s: %d stacks, %.1f MB; %s: %d stacks, %.1f MB (%.1f s)"
              % (before, nb, sb / 1e6, after, na, sa / 1e6, time.perf_counter() - t0))

        for ext in ("html", "svg", "folded"):
            out = os.path.join(work, "diff." + ext)
            med, times = timed([profgate, "diff", before, after, "-o", out], args.runs)
            size = os.path.getsize(out)
            results[ext + "_seconds"] = med
            results[ext + "_bytes"] = size
            print("profgate diff before.folded after.folded -o diff.%s: median %.3f s of %d (%s); %.2f MB"
                  % (ext, med, args.runs, ", ".join("%.3f" % t for t in times), size / 1e6))
            if ext == "html":
                print("  target < 2 s: %s" % ("met" if med < 2 else "MISSED"))

        if args.flamegraph_dir:
            diff_pl = os.path.join(args.flamegraph_dir, "difffolded.pl")
            fg_pl = os.path.join(args.flamegraph_dir, "flamegraph.pl")
            t0 = time.perf_counter()
            with open(os.path.join(work, "pl.svg"), "w") as out:
                p1 = subprocess.Popen(["perl", diff_pl, before, after], stdout=subprocess.PIPE)
                subprocess.run(["perl", fg_pl], stdin=p1.stdout, stdout=out, check=True)
                p1.stdout.close()
                if p1.wait() != 0:
                    sys.exit("difffolded.pl failed")
            results["perl_seconds"] = time.perf_counter() - t0
            print("difffolded.pl | flamegraph.pl: %.1f s" % results["perl_seconds"])
        print(json.dumps(results, indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
