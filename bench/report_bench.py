#!/usr/bin/env python3
"""Benchmark of the report side: `profgate flamegraph` on a large profile.

Generates, deterministically, a folded file of 200,000 distinct stacks up to
48 frames deep (about 74 MB: C++-style names of a synthetic program whose
call graph fans out like a real one), then measures:

- folded file -> report HTML with `profgate flamegraph big.folded -o big.html`
  (median of --runs runs), and the size of the HTML (targets: < 1 s, < 10 MB);
- the same to SVG, for comparison with flamegraph.pl if --flamegraph-pl names it;
- if Chromium and tests/browser/node_modules are there: first paint of the
  HTML and the time of a zoom click, in headless Chromium driven by
  tests/browser/paint_timing.mjs (targets: < 2 s, < 100 ms).

Usage: python3 bench/report_bench.py --build BUILD_DIR [--runs 5] [--keep DIR]
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

STACKS = 200_000
MAX_DEPTH = 48
SEED = 20240611


def make_names(rng, count):
    """Function names as a profiler shows them: short C and C++ names,
    some namespaced or templated, about 13 characters on average."""
    spaces = ["io", "db", "js", "net", "gc", "fs", "ui", "rt", "vm", "re"]
    nouns = ["buf", "node", "page", "key", "row", "tok", "blk", "map", "str", "vec",
             "tree", "heap", "list", "hash", "frame", "item", "span", "slot"]
    verbs = ["read", "emit", "scan", "find", "grow", "copy", "load", "sort", "push", "pop",
             "hash", "walk", "fold", "mark", "sweep", "parse", "merge", "split", "probe"]
    names = set()
    out = []
    while len(out) < count:
        r = rng.random()
        if r < 0.5:
            name = "%s_%s" % (rng.choice(verbs), rng.choice(nouns))
        elif r < 0.9:
            name = "%s::%s_%s" % (rng.choice(spaces), rng.choice(verbs), rng.choice(nouns))
        else:
            name = "%s::%s<%s>" % (rng.choice(spaces), rng.choice(verbs), rng.choice(["int", "char*", "T"]))
        if rng.random() < 0.5:
            name += str(rng.randrange(100))
        if name not in names:
            names.add(name)
            out.append(name)
    return out


def generate(path):
    """Writes the big folded file; returns (stacks, bytes)."""
    rng = random.Random(SEED)
    names = make_names(rng, 20_000)
    # A call graph: every function calls a few others, popular ones more
    # often (a program's hot utility functions), which gives long shared
    # prefixes near the root and a fan-out of distinct stacks further up.
    callees = []
    for _ in names:
        k = rng.randint(2, 7)
        callees.append([min(int(rng.paretovariate(0.9)) * 7 + rng.randrange(7), len(names) - 1)
                        if rng.random() < 0.3 else rng.randrange(len(names)) for _ in range(k)])
    prefix = ["bench", "_start", "__libc_start_main", "__libc_start_call_main", "main"]
    seen = set()
    lines = []
    while len(lines) < STACKS:
        depth = rng.randint(2, MAX_DEPTH - len(prefix) - 2)
        f = rng.randrange(64)  # the program's top-level phases
        frames = [f]
        for _ in range(depth - 1):
            f = rng.choice(callees[f])
            frames.append(f)
        key = tuple(frames)
        if key in seen:
            continue
        seen.add(key)
        weight = max(1, int(rng.paretovariate(1.3)))
        lines.append(";".join(prefix + [names[i] for i in frames]) + " %d\n" % weight)
    lines.sort()
    with open(path, "w") as f:
        f.writelines(lines)
    return len(lines), os.path.getsize(path)


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
    ap.add_argument("--flamegraph-pl", help="path of flamegraph.pl, to time it on the same input")
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium measurements")
    args = ap.parse_args()

    profgate = os.path.join(args.build, "harness", "profgate")
    if not os.access(profgate, os.X_OK):
        sys.exit("no profgate at %s: build first (cmake --build %s)" % (profgate, args.build))
    work = args.keep or tempfile.mkdtemp(prefix="report_bench.")
    os.makedirs(work, exist_ok=True)
    big = os.path.join(work, "big.folded")
    html = os.path.join(work, "big.html")
    svg = os.path.join(work, "big.svg")
    results = {}
    try:
        t0 = time.perf_counter()
        nstacks, nbytes = generate(big)
        print("generated %s: %d stacks, %.1f MB (%.1f s)"
              % (big, nstacks, nbytes / 1e6, time.perf_counter() - t0))

        med, times = timed([profgate, "flamegraph", big, "-o", html], args.runs)
        size = os.path.getsize(html)
        results["html_seconds"] = med
        results["html_bytes"] = size
        print("profgate flamegraph big.folded -o big.html: median %.3f s of %d (%s); %.2f MB"
              % (med, args.runs, ", ".join("%.3f" % t for t in times), size / 1e6))
        print("  target < 1 s: %s; size target < 10 MB: %s"
              % ("met" if med < 1 else "MISSED", "met" if size < 10e6 else "MISSED"))

        med, times = timed([profgate, "flamegraph", big, "-o", svg], args.runs)
        results["svg_seconds"] = med
        results["svg_bytes"] = os.path.getsize(svg)
        print("profgate flamegraph big.folded -o big.svg: median %.3f s; %.2f MB"
              % (med, os.path.getsize(svg) / 1e6))

        if args.flamegraph_pl:
            t0 = time.perf_counter()
            with open(big) as inp, open(os.path.join(work, "pl.svg"), "w") as out:
                subprocess.run(["perl", args.flamegraph_pl, "--hash"], stdin=inp, stdout=out, check=True)
            results["flamegraph_pl_seconds"] = time.perf_counter() - t0
            print("flamegraph.pl: %.1f s" % results["flamegraph_pl_seconds"])

        if not args.no_browser:
            browser(html, results)
        print(json.dumps(results, indent=2))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def browser(html, results):
    script = os.path.join(REPO, "tests", "browser", "paint_timing.mjs")
    modules = os.path.join(REPO, "tests", "browser", "node_modules", "playwright-core")
    chromium = os.environ.get("PG_CHROMIUM", "/usr/bin/chromium")
    missing = [p for p in (chromium, modules) if not os.path.exists(p)]
    if missing or not shutil.which("node"):
        print("browser timings not measured: missing %s (run ci/install-deps.sh with "
              "PROFGATE_BROWSER_TESTS=1)" % (", ".join(missing) or "node"))
        return
    r = subprocess.run(["node", script, html], capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, PG_CHROMIUM=chromium))
    if r.returncode != 0:
        sys.exit("paint_timing.mjs failed: %s%s" % (r.stdout, r.stderr))
    timing = json.loads(r.stdout.strip().splitlines()[-1])
    results.update(timing)
    print("Chromium: first paint %.0f ms (target < 2000), zoom click %.1f ms median (target < 100), "
          "search %.1f ms, hover %.1f ms"
          % (timing["first_paint_ms"], timing["zoom_ms"], timing["search_ms"], timing["hover_ms"]))


if __name__ == "__main__":
    main()
