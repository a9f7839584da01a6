#!/usr/bin/env python3
"""Benchmarks of `profgate run` against the targets of the sampler issue.

Every figure is a median of several runs, measured in the same invocation as
its reference, on this machine:
  yield      stacks captured / (hz x CPU-seconds) on 4 busy threads, for the
             perf task-clock source and for the timer fallback
  accuracy   pg_ratio31 (3:1 work) and pg_threads4 (4 equal threads): shares
  overhead   wall time of `profgate run` (symbolizing and writing included) /
             wall time of the bare program, on a fixed-work CPU-bound run
  symbolize  seconds from the command's end to the profile written, for
             python3 running a script (interpreter, libc, extension modules)

usage: bench/sampler_bench.py [--build DIR] [--runs N] [--json FILE]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PY_SCRIPT = r'''
import json, re, decimal
def parse(n):
    return json.loads(json.dumps([{"k": i, "v": str(i) * 3} for i in range(n)]))
def regex(n):
    return sum(1 for _ in re.finditer(r"\d+", " ".join(map(str, range(n)))))
def money(n):
    d = decimal.Decimal(0)
    for i in range(n):
        d += decimal.Decimal(i) / 7
    return d
t = 0
for _ in range(15):
    t += len(parse(20000)) + regex(20000) + int(money(5000))
print(t)
'''


def run_profiled(profgate, out, cmd, env=None, extra=("--no-mem",)):
    """The CPU sampler alone, as `check` measures timing (--no-mem)."""
    e = dict(os.environ)
    if env:
        e.update(env)
    t0 = time.monotonic()
    p = subprocess.run([profgate, "run", "-q", "-o", out, *extra, "--", *cmd],
                       env=e, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"bench: profgate run {' '.join(cmd)} exited {p.returncode}: {p.stderr.decode()}")
    with open(os.path.join(out, "profile.json")) as f:
        prof = json.load(f)
    return wall, prof


def folded_shares(path, names):
    tot = {n: 0 for n in names}
    with open(path) as f:
        for line in f:
            stack, w = line.rsplit(" ", 1)
            frames = stack.split(";")
            for n in names:
                if n in frames:
                    tot[n] += int(w)
    s = sum(tot.values()) or 1
    return {n: tot[n] / s for n in names}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", help="also write the figures to this file")
    a = ap.parse_args()
    profgate = os.path.join(a.build, "harness", "profgate")
    targets = os.path.join(a.build, "tests", "targets")
    fixed = os.path.join(a.build, "bench", "pg_fixed_work")
    for p in (profgate, os.path.join(targets, "pg_threads4"), fixed):
        if not os.access(p, os.X_OK):
            sys.exit(f"bench: '{p}' is missing; build first (ci/build.sh {a.build})")
    tmp = tempfile.mkdtemp(prefix="pg-bench-")
    out = os.path.join(tmp, "out")
    res = {}

    def progress(msg):
        print(f"bench: {msg}", file=sys.stderr, flush=True)

    # 1. yield, both sources
    for source, env in (("perf", {}), ("timer", {"PROFGATE_SOURCE": "timer"})):
        ys, src = [], None
        for i in range(a.runs):
            progress(f"yield ({source}) run {i + 1}/{a.runs}")
            _, prof = run_profiled(profgate, out, [os.path.join(targets, "pg_threads4"), "2"], env)
            c = prof["cpu"]
            ys.append(c["samples"] / (c["hz"] * prof["cpu_seconds"]))
            src = c["source"]
        res[f"yield_{source}"] = {"median": statistics.median(ys), "runs": ys, "source": src}

    # 2. accuracy
    heavy, thr = [], []
    for i in range(a.runs):
        progress(f"accuracy run {i + 1}/{a.runs}")
        run_profiled(profgate, out, [os.path.join(targets, "pg_ratio31"), "2"])
        heavy.append(folded_shares(os.path.join(out, "cpu.folded"), ["work_heavy", "work_light"])["work_heavy"])
        run_profiled(profgate, out, [os.path.join(targets, "pg_threads4"), "1"])
        sh = folded_shares(os.path.join(out, "cpu.folded"), [f"thread_work_{k}" for k in range(4)])
        thr.append(max(abs(v - 0.25) for v in sh.values()))
    res["accuracy_heavy_share"] = {"median": statistics.median(heavy), "runs": heavy, "expected": 0.75}
    res["accuracy_threads_max_deviation"] = {"median": statistics.median(thr), "runs": thr}

    # 3. overhead: bare and profiled runs interleaved, so both see the same load
    bare, prof_w, ratios = [], [], []
    for i in range(max(a.runs, 7)):
        progress(f"overhead pair {i + 1}/{max(a.runs, 7)}")
        t0 = time.monotonic()
        subprocess.run([fixed], stdout=subprocess.DEVNULL, check=True)
        b = time.monotonic() - t0
        w, _ = run_profiled(profgate, out, [fixed])
        bare.append(b)
        prof_w.append(w)
        ratios.append(w / b)
    res["overhead"] = {"median_ratio": statistics.median(ratios),
                       "ratio_of_medians": statistics.median(prof_w) / statistics.median(bare),
                       "bare_median_s": statistics.median(bare), "profiled_median_s": statistics.median(prof_w),
                       "ratios": ratios}

    # 4. symbolization of a python3 run
    script = os.path.join(tmp, "bench.py")
    with open(script, "w") as f:
        f.write(PY_SCRIPT)
    sym, frames = [], 0
    for i in range(a.runs):
        progress(f"python3 symbolization run {i + 1}/{a.runs}")
        _, prof = run_profiled(profgate, out, ["/usr/bin/python3", script])
        sym.append(prof["symbols"]["postprocess_seconds"])
        frames = prof["symbols"]["frames"]
        unresolved = prof["symbols"]["unresolved"]
    res["python_postprocess_s"] = {"median": statistics.median(sym), "runs": sym,
                                   "distinct_frames": frames, "unresolved": unresolved}

    print(f"{'metric':<38} {'median':>10}  target")
    print(f"{'yield, perf task-clock, 4 threads':<38} {res['yield_perf']['median']:>10.3f}  >= 0.95")
    print(f"{'yield, timer fallback, 4 threads':<38} {res['yield_timer']['median']:>10.3f}  (gperftools ~0.23)")
    print(f"{'share of work_heavy (3:1 program)':<38} {res['accuracy_heavy_share']['median']:>10.3f}  0.75 +- 0.03")
    print(f"{'max |share - 0.25| over 4 threads':<38} {res['accuracy_threads_max_deviation']['median']:>10.3f}  <= 0.03")
    print(f"{'wall profiled / bare (fixed work)':<38} {res['overhead']['median_ratio']:>10.3f}  <= 1.02 (goal 1.01)")
    print(f"{'python3 post-processing seconds':<38} {res['python_postprocess_s']['median']:>10.3f}  < 0.5")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
