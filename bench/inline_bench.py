#!/usr/bin/env python3
"""profgate's C++ frames against perf's, on bench/inline_cxx.cpp (-O2 -g,
inlined templates and lambdas).

For each of --runs rounds, the program runs once under `perf record -e
task-clock` and once under `profgate run --no-mem`, alternately. Reported:
  - every function perf report shows above 2% self (perf attributes inlined
    code to the function it was inlined into), with perf's self share and
    profgate's share of the samples whose innermost non-inlined frame is
    that function (medians over the rounds), and the largest gap in points;
  - profgate's inlined frames above 2% self (marked "[inlined]");
  - the longest frame name in profgate's cpu.folded (target: < 200 chars).
Functions are matched by their name without template arguments and
parameters (perf writes full template arguments, profgate collapses long
ones).

usage: bench/inline_bench.py [--build DIR] [--runs N] [--rounds R] [--json FILE]
"""
import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile


def bare(name):
    """Name without template arguments, parameters and clone suffixes."""
    name = name.replace(" [inlined]", "")
    name = re.sub(r"\.(part|isra|constprop|lto_priv)\.\d+|\.cold$", "", name)
    out, depth = [], 0
    for c in name:
        if c == "<":
            depth += 1
        elif c == ">" and depth:
            depth -= 1
        elif depth == 0:
            out.append(c)
    return re.sub(r"\(.*$", "", "".join(out))


def perf_shares(exe, rounds, tmp):
    data = os.path.join(tmp, "perf.data")
    subprocess.run(["perf", "record", "-q", "-e", "task-clock", "-F", "999", "-o", data, exe, str(rounds)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = subprocess.run(["perf", "report", "-i", data, "--inline", "--no-children", "--stdio",
                          "--sort", "sym", "-g", "none", "--percent-limit", "0"],
                         check=True, capture_output=True, text=True).stdout
    shares = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+\[[.k]\]\s+(.*\S)\s*$", line)
        if m:
            shares[bare(m.group(2))] = shares.get(bare(m.group(2)), 0) + float(m.group(1))
    return shares


def profgate_shares(pg, exe, rounds, tmp):
    out = os.path.join(tmp, "pg")
    subprocess.run([pg, "run", "--no-mem", "-o", out, "--", exe, str(rounds)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    symbol, leaf, total, longest = collections.Counter(), collections.Counter(), 0, ""
    with open(os.path.join(out, "cpu.folded")) as f:
        for line in f:
            stack, w = line.rstrip("\n").rsplit(" ", 1)
            frames, w = stack.split(";"), int(w)
            total += w
            longest = max([longest] + frames, key=len)
            leaf[frames[-1]] += w
            outer = [fr for fr in frames if not fr.endswith(" [inlined]")]
            symbol[bare(outer[-1])] += w
    return ({k: 100.0 * v / total for k, v in symbol.items()},
            {k: 100.0 * v / total for k, v in leaf.items() if k.endswith(" [inlined]")}, longest)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=12, help="the program's own argument")
    ap.add_argument("--json")
    a = ap.parse_args()
    pg = os.path.join(a.build, "harness", "profgate")
    exe = os.path.join(a.build, "bench", "pg_inline_cxx")
    perf_runs, pg_runs, inl_runs, longest = [], [], [], ""
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(a.runs):
            perf_runs.append(perf_shares(exe, a.rounds, tmp))
            sym, inl, lg = profgate_shares(pg, exe, a.rounds, tmp)
            pg_runs.append(sym)
            inl_runs.append(inl)
            longest = max(longest, lg, key=len)
    med = lambda runs, k: statistics.median(r.get(k, 0.0) for r in runs)
    rows, worst = [], 0.0
    for name in sorted({k for r in perf_runs for k in r}, key=lambda k: -med(perf_runs, k)):
        p = med(perf_runs, name)
        if p <= 2.0:
            continue
        g = med(pg_runs, name)
        present = any(name in r for r in pg_runs)
        worst = max(worst, abs(g - p))
        rows.append({"function": name, "perf_self": round(p, 2), "profgate_self": round(g, 2),
                     "gap_points": round(g - p, 2), "present": present})
    inlined = sorted(((k, med(inl_runs, k)) for k in {k for r in inl_runs for k in r}), key=lambda kv: -kv[1])
    result = {"functions": rows, "worst_gap_points": round(worst, 2),
              "all_present": all(r["present"] for r in rows),
              "inlined_above_2pct": [{"frame": k, "self": round(v, 2)} for k, v in inlined if v > 2.0],
              "longest_name_chars": len(longest), "longest_name": longest}
    for r in rows:
        print("%-40s perf %6.2f%%  profgate %6.2f%%  gap %+5.2f%s" % (
            r["function"][:40], r["perf_self"], r["profgate_self"], r["gap_points"],
            "" if r["present"] else "  MISSING"))
    print("inlined frames above 2%% self: %s" % ", ".join(
        "%s %.1f%%" % (i["frame"], i["self"]) for i in result["inlined_above_2pct"]))
    print("worst gap %.2f points; longest name %d chars" % (worst, len(longest)))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0 if result["all_present"] and worst <= 2.0 and len(longest) < 200 else 1


if __name__ == "__main__":
    sys.exit(main())
