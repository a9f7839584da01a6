#!/usr/bin/env python3
"""Benchmarks of `profgate run` against the targets of the sampler issue.

Every figure is a median of several runs, measured in the same invocation as
its reference, on this machine:
  yield      stacks captured / (hz x CPU-seconds) on 4 busy threads, for the
             perf task-clock source and for the timer fallback
  accuracy   pg_ratio31 (3:1 work) and pg_threads4 (4 equal threads): shares
  overhead   wall time of `profgate run --no-mem` (symbolizing and writing
             included) / wall time of the bare program, on a fixed-work
             CPU-bound run calibrated to about 2 s; beside them the floor:
             the bare program with a perf task-clock event at the same rate
             that does nothing on overflow (the timer interrupts alone), and
             the same with a SIGTRAP to an empty handler on each overflow, and
             the collector preloaded without the harness
  symbolize  seconds from the command's end to the profile written, for
             python3 running a script (interpreter, libc, extension modules)

usage: bench/sampler_bench.py [--build DIR] [--runs N] [--json FILE] [--only PARTS]
       [--seconds S] [--hz N] [--overhead-rounds N]
"""
import argparse
import json
import os
import random
import resource
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


def timed(cmd, env=None):
    """Wall seconds and CPU seconds (user + system, the process and its
    children) of one command."""
    e = dict(os.environ)
    if env:
        e.update(env)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} exited {p.returncode}: {p.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def calibrate(fixed, seconds):
    """Iterations (millions) of pg_fixed_work for a bare run of about
    `seconds`: the median of three short runs, scaled."""
    probe = 300
    ts = sorted(timed([fixed, str(probe)])[0] for _ in range(3))
    return max(1, round(probe * seconds / ts[1]))


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
    ap.add_argument("--only", help="comma-separated parts: yield,accuracy,overhead,symbolize (default all)")
    ap.add_argument("--seconds", type=float, default=2.0, help="bare run time of the overhead benchmark")
    ap.add_argument("--hz", type=int, default=999, help="sampling rate of the overhead benchmark")
    ap.add_argument("--overhead-rounds", type=int, help="rounds of the overhead benchmark (default max(runs, 7))")
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
    parts = set((a.only or "yield,accuracy,overhead,symbolize").split(","))

    def progress(msg):
        print(f"bench: {msg}", file=sys.stderr, flush=True)

    # 1. yield, both sources
    if "yield" in parts:
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
    if "accuracy" in parts:
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

    # 3. overhead on a ~2 s CPU-bound run: bare, floor, collector and
    # profiled runs in a shuffled order each round, so that all see the same
    # load. The floor is the bare program with a do-nothing perf task-clock
    # event at the same rate: what the timer interrupts alone cost on this
    # machine. "collector" is the program with libprofgate_collector_cpu.so
    # (the collector without the allocation tracker) preloaded as `profgate
    # run --no-mem` sets it up, without the harness around it (no start of
    # profgate, no symbolizing, no writing).
    if "overhead" in parts:
        millions = calibrate(fixed, a.seconds)
        progress(f"overhead: {millions} M iterations for a ~{a.seconds:.1f} s bare run")
        kinds = ("bare", "floor", "signal", "collector", "profiled")
        collector = os.path.abspath(os.path.join(a.build, "lib", "profgate", "libprofgate_collector_cpu.so"))
        post = []
        rows = {k: [] for k in kinds}
        cpu = {k: [] for k in kinds}
        rounds = max(a.runs, 7) if a.overhead_rounds is None else a.overhead_rounds
        rng = random.Random(1)
        for i in range(rounds):
            progress(f"overhead round {i + 1}/{rounds}")
            order = list(rows)
            rng.shuffle(order)
            for kind in order:
                if kind == "profiled":
                    w, c = timed([profgate, "run", "-q", "-o", out, "--no-mem", "--hz", str(a.hz),
                                  "--", fixed, str(millions)])
                    with open(os.path.join(out, "profile.json")) as f:
                        post.append(json.load(f)["symbols"]["postprocess_seconds"])
                elif kind == "collector":
                    raw = tempfile.mkdtemp(dir=tmp)
                    w, c = timed([fixed, str(millions)],
                                 {"LD_PRELOAD": collector, "PROFGATE_RAW_DIR": raw, "PROFGATE_MODE": "cpu",
                                  "PROFGATE_HZ": str(a.hz), "PROFGATE_MEM": "0"})
                    subprocess.run(["rm", "-rf", raw])
                else:
                    env = {"floor": {"PG_FLOOR_HZ": str(a.hz)},
                           "signal": {"PG_FLOOR_HZ": str(a.hz), "PG_FLOOR_SIGNAL": "1"}}.get(kind)
                    w, c = timed([fixed, str(millions)], env)
                rows[kind].append(w)
                cpu[kind].append(c)

        def ratio(num, den, src):
            return statistics.median(n / d for n, d in zip(src[num], src[den]))
        res["overhead"] = {
            "millions": millions, "rounds": rounds, "hz": a.hz,
            "bare_median_s": statistics.median(rows["bare"]),
            "median_ratio": ratio("profiled", "bare", rows),
            "floor_ratio": ratio("floor", "bare", rows),
            "signal_ratio": ratio("signal", "bare", rows),
            "collector_ratio": ratio("collector", "bare", rows),
            "harness_ratio": ratio("profiled", "collector", rows),
            "postprocess_median_s": statistics.median(post),
            "above_floor_ratio": ratio("profiled", "floor", rows),
            "cpu_median_ratio": ratio("profiled", "bare", cpu),
            "cpu_floor_ratio": ratio("floor", "bare", cpu),
            "cpu_signal_ratio": ratio("signal", "bare", cpu),
            "cpu_above_floor_ratio": ratio("profiled", "floor", cpu),
            "wall": rows, "cpu": cpu,
        }

    # 4. symbolization of a python3 run
    if "symbolize" in parts:
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

    print(f"{'metric':<40} {'median':>10}  target")
    if "yield" in parts:
        print(f"{'yield, perf task-clock, 4 threads':<40} {res['yield_perf']['median']:>10.3f}  >= 0.95")
        print(f"{'yield, timer fallback, 4 threads':<40} {res['yield_timer']['median']:>10.3f}  (gperftools ~0.23)")
    if "accuracy" in parts:
        print(f"{'share of work_heavy (3:1 program)':<40} {res['accuracy_heavy_share']['median']:>10.3f}  0.75 +- 0.03")
        print(f"{'max |share - 0.25| over 4 threads':<40} {res['accuracy_threads_max_deviation']['median']:>10.3f}  <= 0.03")
    if "overhead" in parts:
        o = res["overhead"]
        print(f"{'wall profiled / bare (fixed work)':<40} {o['median_ratio']:>10.3f}  <= 1.02 (goal 1.01)")
        print(f"{'wall floor / bare (timer interrupts)':<40} {o['floor_ratio']:>10.3f}  (the machine's, no sampler below it)")
        print(f"{'wall floor+signal / bare (+ SIGTRAP)':<40} {o['signal_ratio']:>10.3f}  (an empty handler)")
        print(f"{'wall collector / bare (no harness)':<40} {o['collector_ratio']:>10.3f}")
        print(f"{'wall profiled / collector (the harness)':<40} {o['harness_ratio']:>10.3f}")
        print(f"{'wall profiled / floor (profgate itself)':<40} {o['above_floor_ratio']:>10.3f}")
        print(f"{'cpu profiled / bare':<40} {o['cpu_median_ratio']:>10.3f}")
        print(f"{'cpu floor / bare':<40} {o['cpu_floor_ratio']:>10.3f}")
        print(f"{'cpu floor+signal / bare':<40} {o['cpu_signal_ratio']:>10.3f}")
        print(f"{'cpu profiled / floor':<40} {o['cpu_above_floor_ratio']:>10.3f}")
        print(f"{'  (bare run, median seconds)':<40} {o['bare_median_s']:>10.3f}  ~{a.seconds:.1f}")
        print(f"{'  (post-processing, median seconds)':<40} {o['postprocess_median_s']:>10.4f}")
    if "symbolize" in parts:
        print(f"{'python3 post-processing seconds':<40} {res['python_postprocess_s']['median']:>10.3f}  < 0.5")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
