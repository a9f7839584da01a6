#!/usr/bin/env python3
"""Replays recorded per-pair noise through interleaved mode's decision rule.

Input: the JSON of bench/pair_noise.py (A/A pairs: ln(head / base) of CPU
and wall time of each pair, measured on this machine under the hog). A
simulated check draws its pairs from those (with replacement, CPU and wall
of the same recorded pair together, the sign of both flipped at random: the
order inside a pair is random, so an A/A ratio is as likely to be +x as -x),
adds the change it simulates to both metrics, and runs the rule as
harness/interleave.c does: max(repeat, 6) pairs first, then two more at a
time until both metrics are decided or max_repeat pairs; a metric is

  regressed   estimate > ln(1 + t) and the interval's low end > 0
  unchanged   the interval's high end < ln(1 + t)
  improved    unchanged, with estimate < -ln(1 + t) and high end < 0

(Hodges-Lehmann estimate, Wilcoxon signed-rank 95% interval, exact). The
check exits 1 when a metric regressed, 0 when both are unchanged (or
improved), 3 otherwise. Counts per 20 checks are printed for the targets
of issue 17: t5 (5%): same passes >= 19/20, +10% caught >= 19/20; t2 (2%):
same passes >= 18/20, +5% caught >= 19/20.

The C implementation is tested against known answers in
tests/gate/check_paired.c; this file re-implements the same arithmetic so
that a rule can be tried on recorded noise in seconds.

usage: bench/verdict_sim.py NOISE.json [NOISE2.json ...] [--sims N] [--scale X]
                            [--rule v2,v1] [--repeat N] [--max-repeat N]

bench/data/pair_noise_hog_load66.json: 80 A/A pairs recorded on this
machine under the hog while other jobs kept the load average near 66
(CPU ratios 0.72-1.46, wall 0.28-2.88); --scale 0.1 replays them as a
tenth of that noise.
"""

import argparse
import json
import math
import random

ALPHA = 0.05          # rule v1: the two-sided 95% interval decides everything
ALPHA_CHANGE = 0.005  # rule v2: one-sided level of the bound that calls a change
ALPHA_WITHIN = 0.05   # rule v2: one-sided level of the bound that calls "within the threshold"


def signed_rank_pmf(n):
    c = [0.0] * (n * (n + 1) // 2 + 1)
    c[0] = 1.0
    for r in range(1, n + 1):
        for s in range(r * (r + 1) // 2, 0, -1):
            c[s] = 0.5 * c[s] + (0.5 * c[s - r] if s >= r else 0)
        c[0] *= 0.5
    return c


_K = {}


def critical_k(n, alpha=ALPHA):
    if (n, alpha) in _K:
        return _K[(n, alpha)]
    c = signed_rank_pmf(n)
    m = n * (n + 1) // 2
    k, cum = 0, 0.0
    for j in range(1, m // 2 + 2):
        cum += c[j - 1]
        if not cum <= alpha / 2:
            break
        k = j
    _K[(n, alpha)] = k
    return k


def hl_interval(r, alpha=ALPHA):
    n = len(r)
    w = sorted((r[i] + r[j]) / 2 for i in range(n) for j in range(i, n))
    m = len(w)
    est = w[m // 2] if m % 2 else (w[m // 2 - 1] + w[m // 2]) / 2
    k = critical_k(n, alpha)
    if k == 0:
        return est, -math.inf, math.inf
    return est, w[k - 1], w[m - k]


def bounds(v, rule):
    """(estimate, low end, high end, high end for an improvement) of the
    log ratios v under a rule."""
    if rule == "v1":
        est, lo, hi = hl_interval(v, ALPHA)
        return est, lo, hi, hi
    est, _, hi = hl_interval(v, 2 * ALPHA_WITHIN)
    _, lo, hi_change = hl_interval(v, 2 * ALPHA_CHANGE)
    return est, lo, hi, hi_change


def decide(est, lo, hi, hi_change, thr):
    up = math.log1p(thr)
    if est > up and lo > 0:
        return "regressed"
    if est < -up and hi_change < 0:
        return "improved"
    if hi < up:
        return "unchanged"
    return "undecided"


def futile(b, thr, n, nmax):
    """What-if (rule v2f): the bounds shrunk to max_repeat pairs (as
    1/sqrt(n)) around today's estimate still decide nothing."""
    est, lo, hi, _ = b
    if math.isinf(lo) or math.isinf(hi):
        return False
    f = math.sqrt(n / nmax)
    up = math.log1p(thr)
    return est + (hi - est) * f >= up and not (est > up and est - (est - lo) * f > 0)


def first_pairs(repeat, rule):
    alpha = ALPHA if rule == "v1" else 2 * ALPHA_WITHIN
    n = 1
    while critical_k(n, alpha) == 0:
        n += 1
    return max(repeat, n)


def check(pairs, shift, thr, repeat, max_repeat, rng, scale=1.0, rule="v2"):
    n0 = first_pairs(repeat, rule)
    cpu, wall = [], []
    calls = {}
    while True:
        n = len(cpu)
        # v1 looks at even numbers of pairs from n0; v2 at n0, n0 + 2, ...
        look = n >= n0 and ((n % 2 == 0) if rule == "v1" else ((n - n0) % 2 == 0))
        if look or n >= max_repeat:
            calls = {m: decide(*bounds(v, rule), thr) for m, v in (("cpu", cpu), ("wall", wall))}
            if n >= max_repeat or all(c != "undecided" for c in calls.values()):
                break
            if rule == "v2f" and any(futile(bounds(v, rule), thr, n, max_repeat)
                                     for m, v in (("cpu", cpu), ("wall", wall)) if calls[m] == "undecided"):
                break
        p = rng.choice(pairs)
        sign = 1 if rng.random() < 0.5 else -1
        cpu.append(sign * scale * p["cpu"] + shift)
        wall.append(sign * scale * p["wall"] + shift)
    if "regressed" in calls.values():
        code = 1
    elif all(c in ("unchanged", "improved") for c in calls.values()):
        code = 0
    else:
        code = 3
    # The benchmark's verdict is "improved" only when no metric regressed or
    # stayed undecided and one improved (gate/gate.c).
    return code, code == 0 and "improved" in calls.values(), len(cpu)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("noise", nargs="+")
    ap.add_argument("--sims", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--max-repeat", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply the recorded log ratios (what-if: a quieter or noisier machine)")
    ap.add_argument("--rule", default="v2,v1",
                    help="v2: profgate's rule; v1: the earlier one (the 95%% interval for every call); "
                         "v2f: v2 stopping early when even max_repeat pairs would not decide (rejected)")
    a = ap.parse_args()
    pairs = []
    for f in a.noise:
        with open(f) as fh:
            pairs += json.load(fh)["pairs"]
    rng = random.Random(a.seed)
    for m in ("cpu", "wall"):
        r = sorted(math.exp(a.scale * p[m]) for p in pairs)
        print("%-4s A/A ratios of %d pairs: min %.3f, median %.3f, max %.3f" % (
            m, len(r), r[0], r[len(r) // 2], r[-1]))
    for rule in a.rule.split(","):
        simulate(a, pairs, rng, rule)


def simulate(a, pairs, rng, rule):
    print("rule %s, noise x%g, %d checks a cell" % (rule, a.scale, a.sims))
    print("cell            exit0/20  exit1/20  exit3/20  improved/20  median pairs  target")
    for cname, thr, cells in (("t5", 0.05, (("same", 0.0, "exit0 >= 19"), ("plus10", 0.10, "exit1 >= 19"))),
                              ("t2", 0.02, (("same", 0.0, "exit0 >= 18"), ("plus5", 0.05, "exit1 >= 19")))):
        for branch, change, target in cells:
            got = [check(pairs, math.log1p(change), thr, a.repeat, a.max_repeat, rng, a.scale, rule) for _ in range(a.sims)]
            n = len(got)
            e = {c: 20.0 * sum(1 for g in got if g[0] == c) / n for c in (0, 1, 3)}
            imp = 20.0 * sum(1 for g in got if g[1]) / n
            np_ = sorted(g[2] for g in got)[n // 2]
            print("%s %-8s %9.1f %9.1f %9.1f %9.2f %13d  %s" % (cname, branch, e[0], e[1], e[3], imp, np_, target))


if __name__ == "__main__":
    main()
