#!/usr/bin/env python3
"""Repeatability of `profgate check`: false alarms and detection, measured on
this machine with the default thresholds of docs/config.md (wall 10%, cpu 10%,
peak_heap 2%, function 5pp) and 5 timing runs per side.

A throwaway git repository gets a profgate.json with two benchmarks from
tests/targets, and `profgate record` stores their baseline once:

  cpu   pg_check_cpu: 300 million steps, 80% of them in hot_path() (see
        --hot-percent), the rest in other_work() (about 0.35 s of CPU)
  heap  pg_check_heap: 5 MiB held at once by build_table(), plus about 0.07 s
        of CPU in compute(); deterministic

Then `profgate check` runs CHECKS times in each scenario, against that same
baseline, and its exit status and result.json are tallied:

  unchanged  both benchmarks as recorded. Target: at most 1 check in 20
             exits 1 (a false alarm).
  cpu+25%    PG_SLOW=1: hot_path() does 25% more work (a regression confined
             to one function, +20% of the benchmark's CPU time). Target: at
             least 19 of 20 checks exit 1 with `cpu` regressed and hot_path
             named first among the functions whose CPU time grew.
  heap+5%    PG_GROW=1: grow_cache() holds one more 256 KiB block, +5% of the
             peak heap. Target: 20 of 20 checks exit 1 with `heap`'s peak_heap
             regressed and grow_cache named.

usage: bench/check_repeatability.py [--build DIR] [--checks N] [--repeat N]
                                    [--scenarios unchanged,cpu25,heap5]
                                    [--hot-percent P] [--json FILE] [--keep DIR]
"""
import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com",
           "GIT_CONFIG_NOSYSTEM": "1"}

SCENARIOS = {
    "unchanged": ({}, {}),
    "cpu25": ({"PG_SLOW": "1"}, {}),
    "heap5": ({}, {"PG_GROW": "1"}),
}


def sh(cmd, cwd=None, check=True):
    p = subprocess.run(cmd, cwd=cwd, env=dict(os.environ, **GIT_ENV), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=1800)
    if check and p.returncode != 0:
        sys.exit("check_repeatability: %s failed (%d): %s"
                 % (" ".join(cmd), p.returncode, p.stderr[-3000:]))
    return p


HOT_PERCENT = 80


def write_config(repo, targets, repeat, cpu_env, heap_env):
    config = {
        "defaults": {"repeat": repeat, "mem_repeat": 2, "warmup": 1, "timeout": 120},
        "benchmarks": [
            {"name": "cpu", "run": [os.path.join(targets, "pg_check_cpu"), "300", str(HOT_PERCENT)],
             "env": cpu_env},
            {"name": "heap", "run": [os.path.join(targets, "pg_check_heap")], "env": heap_env},
        ],
    }
    with open(os.path.join(repo, "profgate.json"), "w") as f:
        json.dump(config, f, indent=2)


def metric(bench, name, function=None):
    for m in bench["metrics"]:
        if m["metric"] == name and m["function"] == function:
            return m
    return None


def one_check(profgate, repo, out):
    start = time.monotonic()
    p = sh([profgate, "check", "-q", "--out", out], cwd=repo, check=False)
    elapsed = time.monotonic() - start
    path = os.path.join(out, "result.json")
    if p.returncode not in (0, 1, 3) or not os.path.isfile(path):
        sys.exit("check_repeatability: profgate check exited %d:\n%s" % (p.returncode, p.stderr[-3000:]))
    with open(path) as f:
        result = json.load(f)
    return p.returncode, result, elapsed


def judge(scenario, code, result):
    """(caught or passed as the target wants, a short reason)"""
    benches = {b["name"]: b for b in result["benchmarks"]}
    cpu, heap = benches["cpu"], benches["heap"]
    if scenario == "unchanged":
        bad = ["%s %s/%s%s" % (m["verdict"], b["name"], m["metric"], ":" + m["function"] if m["function"] else "")
               for b in result["benchmarks"] for m in b["metrics"]
               if m["verdict"] in ("regressed", "inconclusive")]
        return code != 1, ", ".join(bad)
    if scenario == "cpu25":
        named = cpu["functions"][0]["name"] if cpu["functions"] else None
        regressed = [m["metric"] for m in cpu["metrics"] if m["verdict"] == "regressed" and not m["function"]]
        ok = code == 1 and cpu["verdict"] == "regressed" and named == "hot_path"
        return ok, "cpu verdict %s (%s), first function %s" % (cpu["verdict"], ",".join(regressed), named)
    peak = metric(heap, "peak_heap")
    site = metric(heap, "function_heap", "grow_cache")
    ok = (code == 1 and peak and peak["verdict"] == "regressed" and site is not None
          and site["verdict"] == "regressed")
    return ok, "peak_heap %s, grow_cache %s" % (peak and peak["verdict"], site and site["verdict"])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(here, "..", "build"))
    ap.add_argument("--checks", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--scenarios", default="unchanged,cpu25,heap5")
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--keep", help="keep the repository and every report under this folder")
    ap.add_argument("--hot-percent", type=int, default=80,
                    help="share of pg_check_cpu's work in hot_path() (80: +25%% there is +20%% in all)")
    args = ap.parse_args()
    global HOT_PERCENT
    HOT_PERCENT = args.hot_percent

    build = os.path.abspath(args.build)
    profgate = os.path.join(build, "harness", "profgate")
    targets = os.path.join(build, "tests", "targets")
    for path in (profgate, os.path.join(targets, "pg_check_cpu"), os.path.join(targets, "pg_check_heap")):
        if not os.access(path, os.X_OK):
            sys.exit("check_repeatability: %s is missing: build profgate and tests/targets first" % path)
    scenarios = args.scenarios.split(",")
    for s in scenarios:
        if s not in SCENARIOS:
            sys.exit("check_repeatability: unknown scenario %r (%s)" % (s, ", ".join(SCENARIOS)))

    tmp = args.keep or tempfile.mkdtemp(prefix="pg-check-repeat-")
    os.makedirs(tmp, exist_ok=True)
    repo = os.path.join(tmp, "repo")
    if os.path.exists(repo):
        shutil.rmtree(repo)
    os.makedirs(repo)
    try:
        sh(["git", "init", "-q", "-b", "main", repo])
        with open(os.path.join(repo, ".gitignore"), "w") as f:
            f.write("profgate.json\n.profgate/\n")
        sh(["git", "add", ".gitignore"], cwd=repo)
        sh(["git", "commit", "-q", "-m", "base"], cwd=repo)
        write_config(repo, targets, args.repeat, {}, {})
        sh([profgate, "record", "-q"], cwd=repo)
        sh(["git", "checkout", "-q", "-b", "change"], cwd=repo)
        sh(["git", "commit", "-q", "--allow-empty", "-m", "the change"], cwd=repo)
        print("machine: %d CPUs, load average %.2f; %d checks per scenario, %d timing runs per side"
              % (os.cpu_count(), os.getloadavg()[0], args.checks, args.repeat), flush=True)

        figures = {}
        for s in scenarios:
            cpu_env, heap_env = SCENARIOS[s]
            write_config(repo, targets, args.repeat, cpu_env, heap_env)
            exits = collections.Counter()
            good = 0
            ratios, pvalues, notes, seconds, busy, others = [], [], [], [], [], []
            for i in range(args.checks):
                out = os.path.join(tmp, "report-%s-%02d" % (s, i + 1))
                code, result, elapsed = one_check(profgate, repo, out)
                seconds.append(elapsed)
                exits[code] += 1
                ok, why = judge(s, code, result)
                good += ok
                bench = {b["name"]: b for b in result["benchmarks"]}["heap" if s == "heap5" else "cpu"]
                m = metric(bench, "peak_heap" if s == "heap5" else "cpu")
                if m and m["ratio"] is not None:
                    ratios.append(m["ratio"])
                if m and m["p_value"] is not None:
                    pvalues.append(m["p_value"])
                if not ok or code != {"unchanged": 0}.get(s, 1):
                    notes.append("check %d: exit %d, %s" % (i + 1, code, why or "-"))
                for b in result["benchmarks"]:
                    if b.get("machine"):
                        busy.append(1 - b["machine"]["idle"])
                        others.append(b["machine"]["others"])
                if not args.keep:
                    shutil.rmtree(out, ignore_errors=True)
                print("  %-9s %2d/%d  exit %d  %s" % (s, i + 1, args.checks, code, why), flush=True)
            target = {"unchanged": "exit 1 in at most 1 of 20", "cpu25": "caught, hot_path named, in >= 19 of 20",
                      "heap5": "caught, grow_cache named, in 20 of 20"}[s]
            need = {"unchanged": args.checks - max(1, args.checks // 20), "cpu25": args.checks - max(1, args.checks // 20),
                    "heap5": args.checks}[s]
            figures[s] = {
                "checks": args.checks, "exit_codes": dict(sorted(exits.items())), "as_wanted": good,
                "target": target, "met": good >= need,
                "median_ratio": {"min": min(ratios), "median": statistics.median(ratios), "max": max(ratios)}
                if ratios else None,
                "p_values": {"min": min(pvalues), "max": max(pvalues)} if pvalues else None,
                "seconds_per_check": statistics.median(seconds), "notes": notes,
                "machine_busy_median": statistics.median(busy) if busy else None,
                "others_share_median": statistics.median(others) if others else None,
            }

        print()
        print("%-10s %6s %6s %6s %6s %6s  %-8s %s" % ("scenario", "checks", "exit0", "exit1", "exit3", "good",
                                                   "target", ""))
        for s, f in figures.items():
            e = f["exit_codes"]
            r = f["median_ratio"]
            print("%-10s %6d %6d %6d %6d %6d  %-4s %s; ratio of medians %s; %.1f s per check; "
                  "machine busy %s (others %s)"
                  % (s, f["checks"], e.get(0, 0), e.get(1, 0), e.get(3, 0), f["as_wanted"],
                     "MET" if f["met"] else "MISSED", f["target"],
                     "%.3f..%.3f (median %.3f)" % (r["min"], r["max"], r["median"]) if r else "-",
                     f["seconds_per_check"],
                     "%.0f%%" % (100 * f["machine_busy_median"]) if f["machine_busy_median"] is not None else "?",
                     "%.0f%%" % (100 * f["others_share_median"]) if f["others_share_median"] is not None else "?"))
            for n in f["notes"]:
                print("           %s" % n)
        if args.json:
            with open(args.json, "w") as out:
                json.dump(figures, out, indent=2)
        return 0 if all(f["met"] for f in figures.values()) else 1
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
