#!/usr/bin/env python3
"""Python frames: what profgate shows against what Python's own tools say,
what reading the frames costs, and whether it survives, per CPython version.

  shares      Sciagraph's example (bench/python/sciagraph.py): inclusive shares
              of dumps and deepcopy_list relative to main, profgate's CPU
              samples against cProfile's cumulative times in the same run
              (profgate sampling the process that cProfile profiles; target:
              within 5 points), and, for what each tool does to the program,
              against cProfile's separate runs and each step timed with
              perf_counter and process_time in an unprofiled run.
  memory      the same example, default allocator: profgate's peak heap against
              tracemalloc's peak (target: within 5%), and the share of the bytes
              at the peak attributed to main at the l.append(list(range(i)))
              line (target: at least 65%).
  overhead    bench/python/deep.py (pure Python under a 30-deep Python stack)
              at 999 Hz, with Python frames and with PROFGATE_PYTHON=0 (native
              frames only), runs paired and alternated: median wall-time ratio
              (target: at most 1 point more).
  memcost     the same example's memory run (profgate run --no-cpu: the run,
              symbolizing and the report) against heaptrack's with
              PYTHONMALLOC=malloc (heaptrack sees no pymalloc object
              otherwise), profgate with its default (Python's allocator
              domains wrapped) and with PYTHONMALLOC=malloc, runs paired and
              alternated: median ratios of wall and of CPU time (user + system
              of every process; on a loaded machine the wall time mostly
              says how long the run waited for a core) (target: at most 2).
              Needs heaptrack (apt-get install heaptrack).
  robustness  N runs (default 200) of tests/targets/python/stress.py (threads
              starting and ending, generators, exceptions, recursion, imports
              in threads) under profgate, CPU, wall and memory modes in turn:
              no crash, no hang, the same output as without.

Pythons: Debian's /usr/bin/python3.11 and the pyenv builds of 3.11-3.13 that
exist here. Usage: python_bench.py [--only PART] [--runs N] [--pairs N]
(profgate from $PROFGATE or build/harness/profgate)."""

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench", "python")
SCIAGRAPH = os.path.join(BENCH, "sciagraph.py")
DEEP = os.path.join(BENCH, "deep.py")
STRESS = os.path.join(ROOT, "tests", "targets", "python", "stress.py")
PROFGATE = os.environ.get("PROFGATE") or os.path.join(ROOT, "build", "harness", "profgate")


def pythons():
    out = []
    if os.access("/usr/bin/python3.11", os.X_OK):
        out.append(("debian-3.11", "/usr/bin/python3.11"))
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    for minor in (11, 12, 13):
        found = sorted(glob.glob(os.path.join(root, "versions", "3.%d.*" % minor, "bin", "python3.%d" % minor)))
        if found:
            out.append(("pyenv-" + found[-1].split("/versions/")[1].split("/")[0], found[-1]))
    return out


def profgate_run(out, argv, options=(), env=None, timeout=600):
    cmd = [PROFGATE, "run", "-q", "-o", out] + list(options) + ["--"] + list(argv)
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=BENCH,
                       env=dict(os.environ, **(env or {})))
    return p, time.monotonic() - start


def folded(path):
    stacks = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            stack, _, weight = line.rstrip("\n").rpartition(" ")
            stacks.append((stack.split(";"), int(weight)))
    return stacks


def inclusive(stacks, prefix):
    return sum(w for fr, w in stacks if any(f.startswith(prefix) for f in fr))


CPROFILE = r"""
import cProfile, pstats, runpy, sys
sys.argv = ["sciagraph.py"]
import sciagraph
pr = cProfile.Profile()
pr.enable()
sciagraph.main()
pr.disable()
st = pstats.Stats(pr)
cum = {}
for (file, line, name), (cc, nc, tt, ct, callers) in st.stats.items():
    if name in ("main", "deepcopy_list") and file.endswith("sciagraph.py"):
        cum[name] = ct
    if name == "dumps" and file.endswith("json/__init__.py"):
        cum[name] = ct
print(cum)
"""

# The same work timed without a profiler, each step of main on its own
# (perf_counter: wall time; process_time: CPU time): cProfile's per-call cost
# inflates call-heavy code (deepcopy makes millions of Python calls, dumps
# one), so this is the reference that measures profgate itself.
TIMED = r"""
import json, sys, time
sys.argv = ["sciagraph.py"]
import sciagraph
clocks = {"wall": time.perf_counter, "cpu": time.process_time}
t = [{k: c() for k, c in clocks.items()}]
l = []
for i in range(sciagraph.N):
    l.append(list(range(i)))
t.append({k: c() for k, c in clocks.items()})
s = json.dumps(l)
t.append({k: c() for k, c in clocks.items()})
c = sciagraph.deepcopy_list(l)
t.append({k: c() for k, c in clocks.items()})
print({k: {"main": t[3][k] - t[0][k], "dumps": t[2][k] - t[1][k], "deepcopy_list": t[3][k] - t[2][k]}
       for k in clocks})
"""

TRACEMALLOC = r"""
import tracemalloc, sys
tracemalloc.start()
sys.argv = ["sciagraph.py"]
import sciagraph
sciagraph.main()
print(tracemalloc.get_traced_memory()[1])
"""


def part_shares(py, tmp, rounds=3):
    """Each of the three measured `rounds` times, medians kept."""
    cps, timed, got, same = [], [], [], []
    for _ in range(rounds):
        cp = subprocess.run([py, "-c", CPROFILE], capture_output=True, text=True, cwd=BENCH, check=True)
        cps.append(eval(cp.stdout.strip()))  # a dict printed by the snippet above
        tp = subprocess.run([py, "-c", TIMED], capture_output=True, text=True, cwd=BENCH, check=True)
        timed.append(eval(tp.stdout.strip()))
        p, _ = profgate_run(os.path.join(tmp, "cpu"), [py, "sciagraph.py"], ["--no-mem"])
        if p.returncode != 0:
            return "profgate failed: %s" % p.stderr[-300:]
        st = folded(os.path.join(tmp, "cpu", "cpu.folded"))
        main = inclusive(st, "main (sciagraph.py:")
        got.append({"dumps": 100.0 * inclusive(st, "dumps (json/__init__.py:") / main,
                    "deepcopy_list": 100.0 * inclusive(st, "deepcopy_list (sciagraph.py:") / main})
        # The same run: profgate samples the very process that cProfile
        # profiles, so both measure one execution, cProfile's cost included.
        sp, _ = profgate_run(os.path.join(tmp, "cpu-cprofile"), [py, "-c", CPROFILE], ["--no-mem"])
        if sp.returncode != 0:
            return "profgate failed on the cProfile run: %s" % sp.stderr[-300:]
        lines = [ln for ln in sp.stdout.splitlines() if ln.startswith("{")]
        cum = eval(lines[-1])  # the dict the snippet printed
        st2 = folded(os.path.join(tmp, "cpu-cprofile", "cpu.folded"))
        main2 = inclusive(st2, "main (sciagraph.py:")
        same.append({"pg": {"dumps": 100.0 * inclusive(st2, "dumps (json/__init__.py:") / main2,
                            "deepcopy_list": 100.0 * inclusive(st2, "deepcopy_list (sciagraph.py:") / main2},
                     "cprofile": {k: 100.0 * cum[k] / cum["main"] for k in ("dumps", "deepcopy_list")}})
    keys = ("dumps", "deepcopy_list")
    med = lambda rows, k: statistics.median(r[k] for r in rows)
    share = lambda d, k: 100.0 * d[k] / d["main"]
    pg = {k: med(got, k) for k in keys}
    cprof = {k: statistics.median(share(c, k) for c in cps) for k in keys}
    wall = {k: statistics.median(share(t["wall"], k) for t in timed) for k in keys}
    cpu = {k: statistics.median(share(t["cpu"], k) for t in timed) for k in keys}
    worst = max(abs(pg[k] - cprof[k]) for k in keys)
    tworst = max(abs(pg[k] - cpu[k]) for k in keys)
    # How much cProfile slows each step down against the unprofiled wall time.
    slow = {k: statistics.median(c[k] for c in cps) / statistics.median(t["wall"][k] for t in timed)
            for k in ("main",) + keys}
    spg = {k: statistics.median(x["pg"][k] for x in same) for k in keys}
    scp = {k: statistics.median(x["cprofile"][k] for x in same) for k in keys}
    sworst = statistics.median(max(abs(x["pg"][k] - x["cprofile"][k]) for k in keys) for x in same)
    return ("profgate dumps %.1f%%, deepcopy_list %.1f%% of main; unprofiled CPU %.1f%%, %.1f%% (wall "
            "%.1f%%, %.1f%%); cProfile (separate runs) %.1f%%, %.1f%% (it runs dumps x%.2f, deepcopy_list x%.2f, "
            "main x%.2f slower): %.1f points from cProfile's separate runs, %.1f from unprofiled CPU. "
            "Same run (profgate sampling the process cProfile profiles): profgate %.1f%%, %.1f%%, cProfile "
            "%.1f%%, %.1f%%: %.1f points (target 5: %s); medians of %d" % (
                pg["dumps"], pg["deepcopy_list"], cpu["dumps"], cpu["deepcopy_list"], wall["dumps"],
                wall["deepcopy_list"], cprof["dumps"], cprof["deepcopy_list"], slow["dumps"],
                slow["deepcopy_list"], slow["main"], worst, tworst, spg["dumps"], spg["deepcopy_list"],
                scp["dumps"], scp["deepcopy_list"], sworst, "met" if sworst <= 5 else "NOT met", rounds))


def append_line():
    with open(SCIAGRAPH, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if "APPEND_LINE" in line:
                return n
    raise SystemExit("no APPEND_LINE in " + SCIAGRAPH)


def part_memory(py, tmp):
    tm = int(subprocess.run([py, "-c", TRACEMALLOC], capture_output=True, text=True, cwd=BENCH,
                            check=True).stdout.strip())
    p, secs = profgate_run(os.path.join(tmp, "mem"), [py, "sciagraph.py"], ["--no-cpu"])
    if p.returncode != 0:
        return "profgate failed: %s" % p.stderr[-300:]
    with open(os.path.join(tmp, "mem", "profile.json"), encoding="utf-8") as f:
        prof = json.load(f)
    peak = prof["memory"]["peak_heap_bytes"] if "memory" in prof else prof["peak_heap_bytes"]
    st = folded(os.path.join(tmp, "mem", "mem-peak.folded"))
    total = sum(w for _, w in st)
    at = "main (sciagraph.py:%d)" % append_line()
    share = 100.0 * sum(w for fr, w in st if at in fr) / total if total else 0.0
    dev = 100.0 * (peak - tm) / tm
    return ("peak %.1f MB vs tracemalloc %.1f MB (%+.1f%%, %s); %.1f%% of the peak at %s (%s); "
            "%.1f s" % (peak / 1e6, tm / 1e6, dev, "met" if abs(dev) <= 5 else "NOT met", share, at,
                        "met" if share >= 65 else "NOT met", secs))


def part_overhead(py, tmp, pairs):
    ratios, cpu_ratios = [], []
    walls = {"py": [], "native": []}
    for i in range(pairs):
        order = ("py", "native") if i % 2 == 0 else ("native", "py")
        t, c = {}, {}
        for kind in order:
            env = {"PROFGATE_PYTHON": "0"} if kind == "native" else {}
            p, secs = profgate_run(os.path.join(tmp, "ov-" + kind), [py, "deep.py"], ["--no-mem"], env=env)
            if p.returncode != 0:
                return "profgate failed: %s" % p.stderr[-300:]
            with open(os.path.join(tmp, "ov-" + kind, "profile.json"), encoding="utf-8") as f:
                prof = json.load(f)
                t[kind], c[kind] = prof["wall_seconds"], prof["cpu_seconds"]
            walls[kind].append(t[kind])
        ratios.append(t["py"] / t["native"])
        cpu_ratios.append(c["py"] / c["native"])
    med = statistics.median(ratios)
    cmed = statistics.median(cpu_ratios)
    return ("wall with Python frames / native only: median %.4f over %d pairs (%+.1f points; %s), "
            "CPU time %.4f; wall medians %.3f s / %.3f s. %s" % (
                med, pairs, 100 * (med - 1), "met" if med <= 1.01 else "NOT met", cmed,
                statistics.median(walls["py"]), statistics.median(walls["native"]), collector_share(py, tmp)))


def collector_share(py, tmp, rounds=3):
    """What the collector itself costs the program, measured inside the run:
    perf record (cpu-clock) of profgate running deep.py for about 2 s; the
    share of the program's samples in the collector's library and libunwind
    (its signal handler, Python frames included), with Python frames and
    without, alternated. Unlike the wall ratio this does not move with the
    host's load, which on a shared VM changes runs by several percent."""
    if not shutil.which("perf"):
        return "(no perf: apt-get install linux-perf for the collector's share of the samples)"
    comm = os.path.basename(os.path.realpath(py))[:15]
    shares = {"py": [], "native": []}
    for i in range(rounds):
        for kind in (("py", "native") if i % 2 == 0 else ("native", "py")):
            data = os.path.join(tmp, "perf-%s.data" % kind)
            env = dict(os.environ, **({"PROFGATE_PYTHON": "0"} if kind == "native" else {}))
            subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "1999", "-o", data, "--", PROFGATE,
                            "run", "-q", "-o", os.path.join(tmp, "perf-" + kind), "--no-mem", "--", py, "deep.py",
                            "10"], cwd=BENCH, env=env, capture_output=True, check=True, timeout=600)
            rep = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "comm,dso", "-g", "none",
                                  "--stdio"], capture_output=True, text=True, check=True).stdout
            total = ours = 0.0
            for line in rep.splitlines():
                f = line.split()
                if len(f) == 3 and f[0].endswith("%") and f[1] == comm:
                    total += float(f[0][:-1])
                    if "profgate_collector" in f[2] or "libunwind" in f[2]:
                        ours += float(f[0][:-1])
            shares[kind].append(100.0 * ours / total if total else float("nan"))
    py_share, native_share = statistics.median(shares["py"]), statistics.median(shares["native"])
    return ("perf: the collector's share of the program's CPU samples %.2f%% with Python frames, %.2f%% "
            "without: Python frames cost %+.2f points (target 1: %s); medians of %d" % (
                py_share, native_share, py_share - native_share,
                "met" if py_share - native_share <= 1 else "NOT met", rounds))


# Robustness runs cycle through the three ways a profile is taken: CPU
# sampling, wall-clock sampling of every thread, allocation tracking (which
# also wraps Python's allocator domains).
ROBUSTNESS_MODES = (("cpu", ["--no-mem"]), ("wall", ["--mode", "wall", "--no-mem"]), ("memory", ["--no-cpu"]))


def timed_cpu(cmd, env=None, cwd=BENCH):
    """Wall seconds and CPU seconds (user + system of cmd and its children)."""
    before = os.times()
    start = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=cwd,
                   env=dict(os.environ, **(env or {})))
    wall = time.monotonic() - start
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def part_memcost(py, tmp, pairs, n=1500):
    if not shutil.which("heaptrack"):
        return "not measured: heaptrack is not installed (apt-get install heaptrack)"
    malloc = {"PYTHONMALLOC": "malloc"}
    runs = {
        "heaptrack": lambda: timed_cpu(["heaptrack", "-o", os.path.join(tmp, "ht"), py, "sciagraph.py", str(n)],
                                       malloc),
        "profgate": lambda: timed_cpu([PROFGATE, "run", "-q", "--no-cpu", "-o", os.path.join(tmp, "pm"), "--",
                                       py, "sciagraph.py", str(n)]),
        "profgate_malloc": lambda: timed_cpu([PROFGATE, "run", "-q", "--no-cpu", "-o", os.path.join(tmp, "pmm"),
                                              "--env", "PYTHONMALLOC=malloc", "--", py, "sciagraph.py", str(n)]),
    }
    got = {k: [] for k in runs}
    for i in range(pairs):
        order = list(runs) if i % 2 == 0 else list(reversed(list(runs)))
        for k in order:
            got[k].append(runs[k]())
    ratio = lambda k, j: statistics.median(a[j] / b[j] for a, b in zip(got[k], got["heaptrack"]))
    med = lambda k, j: statistics.median(r[j] for r in got[k])
    return ("N=%d, %d rounds: heaptrack %.2f s wall, %.2f s CPU; profgate %.2f s, %.2f s (x%.2f wall, x%.2f "
            "CPU; %s); profgate with PYTHONMALLOC=malloc %.2f s, %.2f s (x%.2f wall, x%.2f CPU; %s)" % (
                n, pairs, med("heaptrack", 0), med("heaptrack", 1),
                med("profgate", 0), med("profgate", 1), ratio("profgate", 0), ratio("profgate", 1),
                "met" if max(ratio("profgate", 0), ratio("profgate", 1)) <= 2 else "NOT met",
                med("profgate_malloc", 0), med("profgate_malloc", 1), ratio("profgate_malloc", 0),
                ratio("profgate_malloc", 1),
                "met" if max(ratio("profgate_malloc", 0), ratio("profgate_malloc", 1)) <= 2 else "NOT met"))


def part_robustness(py, tmp, runs):
    ref = subprocess.run([py, STRESS], capture_output=True, text=True, check=True).stdout
    bad = []
    done = {name: 0 for name, _ in ROBUSTNESS_MODES}
    secs = {name: [] for name, _ in ROBUSTNESS_MODES}
    start = time.monotonic()
    for i in range(runs):
        mode, options = ROBUSTNESS_MODES[i % len(ROBUSTNESS_MODES)]
        done[mode] += 1
        try:
            p, took = profgate_run(os.path.join(tmp, "rob"), [py, STRESS], options, timeout=300)
        except subprocess.TimeoutExpired:
            bad.append("run %d (%s): hung (killed after 300 s)" % (i + 1, mode))
            continue
        secs[mode].append(took)
        if p.returncode != 0 or p.stdout != ref:
            bad.append("run %d (%s): exit %d, %s: %s" % (
                i + 1, mode, p.returncode, "same output" if p.stdout == ref else "different output",
                p.stderr.strip().splitlines()[-1:] if p.stderr.strip() else "no stderr"))
    counts = ", ".join("%d %s (median %.1f s)" % (done[m], m, statistics.median(secs[m]) if secs[m] else 0)
                       for m, _ in ROBUSTNESS_MODES)
    return "%d runs in %.0f s [%s]: %s" % (
        runs, time.monotonic() - start, counts,
        "no crash, no hang, same output" if not bad else "%d bad: %s" % (len(bad), "; ".join(bad[:5])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", choices=["shares", "memory", "memcost", "overhead", "robustness"])
    ap.add_argument("--runs", type=int, default=200, help="robustness runs per Python")
    ap.add_argument("--pairs", type=int, default=9, help="overhead pairs per Python")
    ap.add_argument("--python", help="only this interpreter")
    a = ap.parse_args()
    if not os.access(PROFGATE, os.X_OK):
        raise SystemExit("no profgate at %s: build it or set PROFGATE" % PROFGATE)
    pys = [(n, p) for n, p in pythons() if not a.python or p == a.python or n == a.python]
    for name, py in pys:
        with tempfile.TemporaryDirectory(prefix="pg-pybench-") as tmp:
            for part in ("shares", "memory", "memcost", "overhead", "robustness"):
                if a.only and part != a.only:
                    continue
                if part == "shares":
                    res = part_shares(py, tmp)
                elif part == "memory":
                    res = part_memory(py, tmp)
                elif part == "memcost":
                    res = part_memcost(py, tmp, max(3, a.pairs // 2))
                elif part == "overhead":
                    res = part_overhead(py, tmp, a.pairs)
                else:
                    res = part_robustness(py, tmp, a.runs)
                print("%-16s %-10s %s" % (name, part, res), flush=True)


if __name__ == "__main__":
    main()
