"""The example of Sciagraph's guide: build a list of lists, serialise it with
json.dumps, deep-copy it. bench/python_bench.py profiles it and compares
with cProfile and tracemalloc."""
import copy
import json
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 3000


def deepcopy_list(l):
    return [copy.deepcopy(x) for x in l]


def main():
    l = []
    for i in range(N):
        l.append(list(range(i)))  # APPEND_LINE
    dumped = json.dumps(l)
    copied = deepcopy_list(l)
    return len(dumped) + len(copied)


if __name__ == "__main__":
    main()
