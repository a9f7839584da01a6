#!/usr/bin/env python3
"""Verdicts under an intermittent CPU hog: interleaved mode beside
stored-baseline mode, in the same run.

A throwaway git repository holds a small C program with two functions of
equal work, steady_part() and changed_part(), and a build script. Its
branches:

  same     a commit that changes no code (an unchanged commit)
  plus10   changed_part() does 20% more work: +10% of the total CPU time,
           confined to one function
  plus5    changed_part() does 10% more work: +5% of the total

Every check runs while a hog (a busy loop switching on and off every second
on one of the CPUs, as a neighbour on a shared runner) is running. Each
check is made in both modes, alternating which goes first:

  interleaved  `profgate check` with "build": the merge-base built in a
               worktree and measured side by side with the head
  baseline     `profgate check --compare baseline` against a baseline that
               `profgate record` stored once at the start (also under the
               hog), after building the head

Two configurations, the defaults otherwise (repeat 5, max_repeat 30):
  t5  wall and cpu thresholds 5%:  same must pass (exit 0) >= 19/20,
      plus10 must be caught (exit 1, changed_part in summary.md) >= 19/20
  t2  wall and cpu thresholds 2%:  same must pass >= 18/20, plus5 caught
      >= 19/20
Never a regression called "improved"; never "same" called regressed more
than once in 20.

Cost: the bundled example suite (examples/bench_parse.c, bench_threads.c)
in its own repository, checked interleaved (both builds included) and
against a stored baseline (with and without the head's build), alternately,
under the hog: the ratio of the medians must be <= 2.5. Its commit changes
no code, so the exit codes of those checks are counted too (its config
gates functions at 5 points, which the checks above leave off).

usage: bench/verdict_bench.py [--build DIR] [--checks N (0: the cost alone)] [--cost-rounds N]
                              [--configs t5,t2] [--json FILE] [--keep DIR]
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import pgtest  # noqa: E402
from pgtest import WORK_BUILD_SH, work_c, write_file  # noqa: E402

# steady_part() and changed_part() of pgtest's work program: this many steps each.
WORK_STEPS = "40000000"

EXAMPLES_BUILD_SH = """#!/bin/sh
set -e
mkdir -p build/examples
cc -O2 -g -fno-omit-frame-pointer -o build/examples/bench_parse examples/bench_parse.c
cc -O2 -g -fno-omit-frame-pointer -pthread -o build/examples/bench_threads examples/bench_threads.c
"""

HOG = """
import time
while True:
    t = time.monotonic()
    while time.monotonic() - t < 1.0:
        pass
    time.sleep(1.0)
"""


def git(repo, *args):
    try:
        return pgtest.git(repo, *args, timeout=120)
    except AssertionError as e:
        raise SystemExit(str(e))


class Hog:
    def __enter__(self):
        self.p = subprocess.Popen([sys.executable, "-c", HOG])
        return self

    def __exit__(self, *exc):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait()


def config(threshold, build):
    c = {"store": ".baselines", "base": "main",
         "defaults": {"repeat": 5, "mem_repeat": 1, "warmup": 1, "timeout": 120,
                      "thresholds": {"wall": threshold, "cpu": threshold, "function": "off"}},
         "benchmarks": [{"name": "work", "run": ["./out/work", WORK_STEPS]}]}
    if build:
        c["build"] = {"run": ["./build.sh"]}
    return c


def make_repo(path):
    os.makedirs(path)
    git(path, "init", "-q", "-b", "main")
    write_file(os.path.join(path, "work.c"), work_c())
    write_file(os.path.join(path, "build.sh"), WORK_BUILD_SH, 0o755)
    write_file(os.path.join(path, ".gitignore"), "out/\n.baselines/\nreport*/\n")
    for name, thr in (("t5", "5%"), ("t2", "2%")):
        write_file(os.path.join(path, "profgate-%s.json" % name), json.dumps(config(thr, True), indent=1))
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "base")
    for branch, scale in (("same", 100), ("plus10", 120), ("plus5", 110)):
        git(path, "checkout", "-q", "-b", branch, "main")
        write_file(os.path.join(path, "work.c"), work_c(scale))
        write_file(os.path.join(path, "NOTES"), branch + "\n")
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", branch)
    git(path, "checkout", "-q", "main")


def run(cmd, cwd):
    start = time.monotonic()
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=3600)
    return r, time.monotonic() - start


def one_check(profgate, repo, cfg, mode, out):
    shutil.rmtree(out, ignore_errors=True)
    build_s = 0.0
    cmd = [profgate, "check", "-q", "-c", cfg, "--out", out]
    if mode == "baseline":
        b, build_s = run(["./build.sh"], repo)
        if b.returncode:
            raise SystemExit("build failed: " + b.stderr)
        cmd += ["--compare", "baseline"]
    r, secs = run(cmd, repo)
    record = {"mode": mode, "exit": r.returncode, "seconds": secs, "build_seconds": build_s}
    try:
        with open(os.path.join(out, "result.json")) as f:
            res = json.load(f)
        with open(os.path.join(out, "summary.md")) as f:
            summary = f.read()
        bench = res["benchmarks"][0]
        record["verdict"] = bench["verdict"]
        record["why"] = ["%s%s %s" % (m["metric"], " " + m["function"] if m.get("function") else "", m["verdict"])
                         for m in bench["metrics"] if m["verdict"] in ("regressed", "inconclusive", "improved")]
        record["named"] = "changed_part" in summary
        for m in bench["metrics"]:
            if m["metric"] in ("wall", "cpu") and not m.get("function"):
                record[m["metric"]] = {k: m.get(k) for k in ("verdict", "estimate", "ci_low", "ci_high", "pairs",
                                                            "ratio", "p_value")}
    except (OSError, ValueError, KeyError, IndexError) as e:
        record["error"] = "%s; stderr: %s" % (e, r.stderr[-500:])
    return record


def tally(records):
    out = {}
    for r in records:
        key = (r["config"], r["branch"], r["mode"])
        t = out.setdefault(key, {"n": 0, "exit0": 0, "exit1": 0, "exit1_named": 0, "exit3": 0, "other": 0,
                                 "improved": 0, "pairs": [], "seconds": []})
        t["n"] += 1
        t["exit0"] += r["exit"] == 0
        t["exit1"] += r["exit"] == 1
        t["exit1_named"] += r["exit"] == 1 and r.get("named", False)
        t["exit3"] += r["exit"] == 3
        t["other"] += r["exit"] not in (0, 1, 3)
        t["improved"] += r.get("verdict") == "improved"
        if "cpu" in r and r["cpu"].get("pairs"):
            t["pairs"].append(r["cpu"]["pairs"])
        t["seconds"].append(r["seconds"])
    return out


def cost(profgate, tmp, rounds):
    repo = os.path.join(tmp, "examples-repo")
    os.makedirs(os.path.join(repo, "examples"))
    git(repo, "init", "-q", "-b", "main")
    for f in ("bench_parse.c", "bench_threads.c"):
        shutil.copy(os.path.join(ROOT, "examples", f), os.path.join(repo, "examples", f))
    write_file(os.path.join(repo, "build.sh"), EXAMPLES_BUILD_SH, 0o755)
    write_file(os.path.join(repo, ".gitignore"), "build/\n.profgate/\nreport*/\n")
    with open(os.path.join(ROOT, "examples", "profgate.json")) as f:
        c = json.load(f)
    c["store"] = "../.profgate/baselines"
    c["base"] = "main"
    c["build"] = {"run": ["../build.sh"], "cwd": ".."}
    write_file(os.path.join(repo, "examples", "profgate.json"), json.dumps(c, indent=1))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "examples")
    git(repo, "checkout", "-q", "-b", "change")
    write_file(os.path.join(repo, "NOTES"), "a change\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    cfg = "examples/profgate.json"
    git(repo, "checkout", "-q", "main")
    run(["./build.sh"], repo)
    r, _ = run([profgate, "record", "-q", "-c", cfg], repo)
    if r.returncode:
        raise SystemExit("record failed: " + r.stderr)
    git(repo, "checkout", "-q", "change")
    inter, base, base_build = [], [], []
    exits = {"interleaved": [], "baseline": []}
    why = {"interleaved": [], "baseline": []}
    for i in range(rounds):
        for mode in (("interleaved", "baseline") if i % 2 == 0 else ("baseline", "interleaved")):
            with Hog():
                if mode == "interleaved":
                    shutil.rmtree(os.path.join(repo, "build"), ignore_errors=True)
                    r, s = run([profgate, "check", "-q", "-c", cfg, "--out", "report"], repo)
                    inter.append(s)
                else:
                    shutil.rmtree(os.path.join(repo, "build"), ignore_errors=True)
                    b, bs = run(["./build.sh"], repo)
                    r, s = run([profgate, "check", "-q", "-c", cfg, "--compare", "baseline", "--out", "report"],
                               repo)
                    base.append(s)
                    base_build.append(s + bs)
            if r.returncode not in (0, 1, 3) or not os.path.exists(os.path.join(repo, "report", "result.json")):
                raise SystemExit("cost check failed (%d): %s" % (r.returncode, r.stderr[-1000:]))
            exits[mode].append(r.returncode)
            with open(os.path.join(repo, "report", "result.json")) as f:
                res = json.load(f)
            why[mode].append(["%s %s%s" % (b["name"], b["verdict"], "".join(
                " (%s%s %s)" % (m["metric"], " " + m["function"] if m.get("function") else "", m["verdict"])
                for m in b["metrics"] if m["verdict"] in ("regressed", "inconclusive")))
                for b in res["benchmarks"]])
            with open(os.path.join(repo, "report", "result.json")) as f:
                if mode == "interleaved" and json.load(f).get("compare") != "interleaved":
                    raise SystemExit("the cost check was not interleaved: " + r.stderr[-1000:])
            shutil.rmtree(os.path.join(repo, "report"))
    return {"interleaved": inter, "baseline": base, "baseline_with_build": base_build, "exits": exits, "why": why,
            "ratio": statistics.median(inter) / statistics.median(base),
            "ratio_with_build": statistics.median(inter) / statistics.median(base_build)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--checks", type=int, default=20)
    ap.add_argument("--cost-rounds", type=int, default=4)
    ap.add_argument("--configs", default="t5,t2")
    ap.add_argument("--json")
    ap.add_argument("--keep")
    a = ap.parse_args()
    profgate = os.path.join(a.build, "harness", "profgate")
    if not os.access(profgate, os.X_OK):
        raise SystemExit("no profgate at %s: build first (bash ci/build.sh build)" % profgate)
    tmp = a.keep or tempfile.mkdtemp(prefix="pg-verdict-bench-")
    os.makedirs(tmp, exist_ok=True)
    repo = os.path.join(tmp, "repo")
    make_repo(repo)
    # The stored baseline of main, recorded once, under the hog too.
    subprocess.run(["./build.sh"], cwd=repo, check=True)
    with Hog():
        r, _ = run([profgate, "record", "-q", "-c", "profgate-t5.json"], repo)
    if r.returncode:
        raise SystemExit("record failed: " + r.stderr)

    configs = a.configs.split(",")
    scenarios = {"t5": ("same", "plus10"), "t2": ("same", "plus5")}
    records = []
    started = time.monotonic()
    for i in range(a.checks):
        for cname in configs:
            for branch in scenarios[cname]:
                git(repo, "checkout", "-q", branch)
                modes = ("interleaved", "baseline") if i % 2 == 0 else ("baseline", "interleaved")
                for mode in modes:
                    with Hog():
                        rec = one_check(profgate, repo, "profgate-%s.json" % cname, mode,
                                        os.path.join(repo, "report"))
                    rec.update(config=cname, branch=branch, round=i)
                    records.append(rec)
                    print("%2d %s %-6s %-11s exit %d %-12s %5.1f s%s" % (
                        i + 1, cname, branch, mode, rec["exit"], rec.get("verdict", "?"), rec["seconds"],
                        "  cpu %+.1f%% [%+.1f%%, %+.1f%%] %s pairs" % (
                            100 * rec["cpu"]["estimate"], 100 * rec["cpu"]["ci_low"],
                            100 * rec["cpu"]["ci_high"], rec["cpu"]["pairs"])
                        if rec.get("cpu", {}).get("pairs") and rec["cpu"]["ci_low"] is not None else "") +
                        ("  wall %+.1f%% [%+.1f%%, %+.1f%%]" % (
                            100 * rec["wall"]["estimate"], 100 * rec["wall"]["ci_low"], 100 * rec["wall"]["ci_high"])
                         if rec.get("wall", {}).get("pairs") and rec["wall"]["ci_low"] is not None else "") +
                        ("  (%s)" % ", ".join(rec["why"]) if rec.get("why") else ""),
                        flush=True)
    checks_s = time.monotonic() - started
    t = tally(records)
    print("\nverdicts (%d checks per cell, intermittent CPU hog during every check; %.0f s)" % (a.checks, checks_s))
    print("config branch mode         exit0 exit1(named) exit3 other improved  median pairs  median s")
    for (c, b, m), v in sorted(t.items()):
        print("%-6s %-6s %-12s %5d %5d(%d) %5d %5d %8d  %12s  %8.1f" % (
            c, b, m, v["exit0"], v["exit1"], v["exit1_named"], v["exit3"], v["other"], v["improved"],
            statistics.median(v["pairs"]) if v["pairs"] else "-", statistics.median(v["seconds"])))
    targets = []
    for c, reg, need_same, need_reg in (("t5", "plus10", 19, 19), ("t2", "plus5", 18, 19)):
        if c not in configs or not a.checks:
            continue
        n = a.checks
        for m in ("interleaved", "baseline"):
            same = t[(c, "same", m)]
            r = t[(c, reg, m)]
            targets.append({"config": c, "mode": m,
                            "same_passed": same["exit0"], "same_target": "%d/20" % need_same,
                            "same_met": same["exit0"] * 20 >= need_same * n,
                            "regression_caught_named": r["exit1_named"], "regression_target": "%d/20" % need_reg,
                            "regression_met": r["exit1_named"] * 20 >= need_reg * n,
                            "regression_called_improved": r["improved"],
                            "same_called_regressed": same["exit1"],
                            "false_alarm_met": same["exit1"] * 20 <= n})
    print("\ntargets")
    for x in targets:
        print("%s %-11s same passed %d/%d (target %s: %s); regression caught and named %d/%d (target %s: %s); "
              "regression called improved %d; same called regressed %d (%s)" % (
                  x["config"], x["mode"], x["same_passed"], a.checks, x["same_target"],
                  "met" if x["same_met"] else "NOT met", x["regression_caught_named"], a.checks,
                  x["regression_target"], "met" if x["regression_met"] else "NOT met",
                  x["regression_called_improved"], x["same_called_regressed"],
                  "met" if x["false_alarm_met"] else "NOT met"))
    c = cost(profgate, tmp, a.cost_rounds) if a.cost_rounds else None
    if c:
        print("\ncost of the example suite under the hog (medians of %d): interleaved %.1f s, stored-baseline "
              "check %.1f s (%.1f s with the head's build): ratio %.2f (%.2f with the build); target <= 2.5: %s" % (
                  a.cost_rounds, statistics.median(c["interleaved"]), statistics.median(c["baseline"]),
                  statistics.median(c["baseline_with_build"]), c["ratio"], c["ratio_with_build"],
                  "met" if c["ratio"] <= 2.5 else "NOT met"))
        for mode in ("interleaved", "baseline"):
            e = c["exits"][mode]
            print("  %-11s checks of the example suite (a commit that changes no code): passed %d, regressed %d, "
                  "inconclusive %d" % (mode, e.count(0), e.count(1), e.count(3)))
            for secs, w in zip(c[mode], c["why"][mode]):
                print("    %5.1f s  %s" % (secs, "; ".join(w)))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"records": records, "targets": targets, "cost": c}, f, indent=1)
    if not a.keep:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
