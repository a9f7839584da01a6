"""A threaded Python program for profgate's robustness runs: threads that
start and end, generators, exceptions, recursion and imports in threads.
Its output is deterministic, so a run under profgate must print the same."""
import sys
import threading


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def squares(n):
    for i in range(n):
        yield i * i


def risky(i):
    try:
        if i % 3 == 0:
            raise ValueError(i)
        return i
    except ValueError as e:
        return -int(str(e))


def deep(n):
    return 0 if n == 0 else 1 + deep(n - 1)


def worker(k, out):
    import json, decimal, fractions  # imports in threads
    total = fib(15 + k % 3)
    total += sum(squares(2000))
    total += sum(risky(i) for i in range(3000))
    total += deep(200)
    total += len(json.dumps([list(range(50))] * 20))
    total += int(fractions.Fraction(k, 7) * 7) + int(decimal.Decimal(k))
    out[k] = total


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    out = {}
    for r in range(rounds):
        threads = [threading.Thread(target=worker, args=(r * 4 + i, out)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    print(sorted(out.items()))


main()
