#!/usr/bin/env python3
"""Python frames: what profgate shows against what Python's own tools say,
what reading the frames costs, and whether it survives, per CPython version.

  shares      Sciagraph's example (bench/python/sciagraph.py): inclusive shares
              of dumps and deepcopy_list relative to main, profgate's CPU
              samples against cProfile's cumulative times of the same program
              (target: within 5 points).
  memory      the same example, default allocator: profgate's peak heap against
              tracemalloc's peak (target: within 5%), and the share of the bytes
              at the peak attributed to main at the l.append(list(range(i)))
              line (target: at least 65%).
  overhead    bench/python/deep.py (pure Python under a 30-deep Python stack)
              at 999 Hz, with Python frames and with PROFGATE_PYTHON=0 (native
              frames only), runs paired and alternated: median wall-time ratio
              (target: at most 1 point more).
  robustness  N runs of tests/targets/python/stress.py (threads starting and
              ending, generators, exceptions, recursion, imports in threads)
              under profgate: no crash, no hang, the same output as without.

Pythons: Debian's /usr/bin/python3.11 and the pyenv builds of 3.11-3.13 that
exist here. Usage: python_bench.py [--only PART] [--runs N] [--pairs N]
(profgate from $PROFGATE or build/harness/profgate)."""

import argparse
import glob
import json
import os
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

# The same work timed without a profiler (CPU time of each step): cProfile's
# per-call cost inflates call-heavy code (deepcopy makes millions of Python
# calls, dumps one), so this is the reference that measures profgate itself.
TIMED = r"""
import json, sys, time
sys.argv = ["sciagraph.py"]
import sciagraph
t0 = time.process_time()
l = []
for i in range(sciagraph.N):
    l.append(list(range(i)))
t1 = time.process_time()
s = json.dumps(l)
t2 = time.process_time()
c = sciagraph.deepcopy_list(l)
t3 = time.process_time()
print({"main": t3 - t0, "dumps": t2 - t1, "deepcopy_list": t3 - t2})
"""

TRACEMALLOC = r"""
import tracemalloc, sys
tracemalloc.start()
sys.argv = ["sciagraph.py"]
import sciagraph
sciagraph.main()
print(tracemalloc.get_traced_memory()[1])
"""


def part_shares(py, tmp):
    cp = subprocess.run([py, "-c", CPROFILE], capture_output=True, text=True, cwd=BENCH, check=True)
    cum = eval(cp.stdout.strip())  # a dict printed by the snippet above
    ref = {k: 100.0 * cum[k] / cum["main"] for k in ("dumps", "deepcopy_list")}
    tp = subprocess.run([py, "-c", TIMED], capture_output=True, text=True, cwd=BENCH, check=True)
    tcum = eval(tp.stdout.strip())
    timed = {k: 100.0 * tcum[k] / tcum["main"] for k in ("dumps", "deepcopy_list")}
    p, _ = profgate_run(os.path.join(tmp, "cpu"), [py, "sciagraph.py"], ["--no-mem"])
    if p.returncode != 0:
        return "profgate failed: %s" % p.stderr[-300:]
    st = folded(os.path.join(tmp, "cpu", "cpu.folded"))
    main = inclusive(st, "main (sciagraph.py:")
    got = {"dumps": 100.0 * inclusive(st, "dumps (json/__init__.py:") / main,
           "deepcopy_list": 100.0 * inclusive(st, "deepcopy_list (sciagraph.py:") / main}
    worst = max(abs(got[k] - ref[k]) for k in got)
    tworst = max(abs(got[k] - timed[k]) for k in got)
    return ("dumps %.1f%% (cProfile %.1f%%, timed %.1f%%), deepcopy_list %.1f%% (cProfile %.1f%%, "
            "timed %.1f%%): worst %.1f points from cProfile (%s), %.1f from timed" % (
                got["dumps"], ref["dumps"], timed["dumps"], got["deepcopy_list"], ref["deepcopy_list"],
                timed["deepcopy_list"], worst, "met" if worst <= 5 else "NOT met", tworst))


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
            "CPU time %.4f; wall medians %.3f s / %.3f s" % (
                med, pairs, 100 * (med - 1), "met" if med <= 1.01 else "NOT met", cmed,
                statistics.median(walls["py"]), statistics.median(walls["native"])))


def part_robustness(py, tmp, runs):
    ref = subprocess.run([py, STRESS], capture_output=True, text=True, check=True).stdout
    bad = []
    start = time.monotonic()
    for i in range(runs):
        try:
            p, _ = profgate_run(os.path.join(tmp, "rob"), [py, STRESS], ["--no-mem"], timeout=120)
        except subprocess.TimeoutExpired:
            bad.append("run %d: hung (killed after 120 s)" % (i + 1))
            continue
        if p.returncode != 0 or p.stdout != ref:
            bad.append("run %d: exit %d, %s" % (i + 1, p.returncode,
                                               "same output" if p.stdout == ref else "different output"))
    return "%d runs in %.0f s: %s" % (runs, time.monotonic() - start,
                                     "no crash, no hang, same output" if not bad else "; ".join(bad[:5]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", choices=["shares", "memory", "overhead", "robustness"])
    ap.add_argument("--runs", type=int, default=200, help="robustness runs per Python")
    ap.add_argument("--pairs", type=int, default=9, help="overhead pairs per Python")
    ap.add_argument("--python", help="only this interpreter")
    a = ap.parse_args()
    if not os.access(PROFGATE, os.X_OK):
        raise SystemExit("no profgate at %s: build it or set PROFGATE" % PROFGATE)
    pys = [(n, p) for n, p in pythons() if not a.python or p == a.python or n == a.python]
    for name, py in pys:
        with tempfile.TemporaryDirectory(prefix="pg-pybench-") as tmp:
            for part in ("shares", "memory", "overhead", "robustness"):
                if a.only and part != a.only:
                    continue
                if part == "shares":
                    res = part_shares(py, tmp)
                elif part == "memory":
                    res = part_memory(py, tmp)
                elif part == "overhead":
                    res = part_overhead(py, tmp, a.pairs)
                else:
                    res = part_robustness(py, tmp, a.runs)
                print("%-16s %-10s %s" % (name, part, res), flush=True)


if __name__ == "__main__":
    main()
