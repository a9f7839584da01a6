"""Pure Python work under a 30-deep Python stack, for the cost of reading
Python frames at each sample (bench/python_bench.py)."""
import sys

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0


def work(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def descend(depth, rounds):
    if depth > 0:
        return descend(depth - 1, rounds)
    return sum(work(20000) for _ in range(rounds))


# Calibrated by count, not by time: both runs do the same work.
descend(29, int(SECONDS * 120))
