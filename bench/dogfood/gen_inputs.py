#!/usr/bin/env python3
"""Generates the inputs of profgate's own benchmarks (profgate.json at the root).

The benchmarks run the profgate under test on two large folded files, which
this script writes, deterministically, into bench/dogfood/inputs/ (git-ignored):

- before.folded: the big profile of bench/report_bench.py (200,000 distinct
  stacks up to 48 frames deep, about 74 MB);
- after.folded: bench/diff_bench.py's perturbation of it (stacks removed,
  added and reweighted as a real change leaves them, about 73 MB).

The generators are imported from those two scripts, not copied, so that the
benchmarks of the gate and the stand-alone benchmarks measure the same input.

Generating takes a few seconds; a stamp file remembers what was generated
(generator parameters, sizes, SHA-256), so a second call returns at once and
`--check` only verifies. The inputs must exist before `profgate record` or
`profgate check` runs the benchmarks: bench/dogfood/run.sh refuses to start
without them rather than spend a measured run generating them.

Usage: python3 bench/dogfood/gen_inputs.py [--out DIR] [--force] [--check]
"""

import argparse
import hashlib
import json
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ left in bench/ by an import

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
sys.path.insert(0, BENCH)
import report_bench  # noqa: E402  (the big folded file)
import diff_bench  # noqa: E402  (its perturbed copy)

DEFAULT_OUT = os.path.join(HERE, "inputs")
STAMP = "inputs.json"
# Bump when what is generated changes in a way the parameters below miss:
# a baseline recorded on other inputs must not be compared with these.
VERSION = 1


def parameters():
    """Everything that decides the content of the files."""
    return {
        "version": VERSION,
        "before": {"stacks": report_bench.STACKS, "max_depth": report_bench.MAX_DEPTH,
                   "seed": report_bench.SEED},
        "after": {"seed": diff_bench.SEED, "remove": diff_bench.REMOVE, "add": diff_bench.ADD,
                  "reweight": diff_bench.REWEIGHT},
        "python": "%d.%d" % sys.version_info[:2],
    }


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_stamp(out):
    try:
        with open(os.path.join(out, STAMP)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def up_to_date(out, stamp, verify):
    """True when the stamp matches today's parameters and the files are the
    ones it describes (size always; content too with verify)."""
    if not stamp or stamp.get("parameters") != parameters():
        return False
    for name, info in stamp.get("files", {}).items():
        path = os.path.join(out, name)
        try:
            if os.path.getsize(path) != info["bytes"]:
                return False
        except OSError:
            return False
        if verify and sha256(path) != info["sha256"]:
            return False
    return set(stamp.get("files", {})) == {"before.folded", "after.folded"}


def generate(out):
    os.makedirs(out, exist_ok=True)
    stamp_path = os.path.join(out, STAMP)
    if os.path.exists(stamp_path):
        os.unlink(stamp_path)  # half-written files must never look current
    files = {}
    t0 = time.perf_counter()
    # Each file is written under a temporary name and renamed, so that an
    # interrupted run leaves no truncated input behind a valid name.
    before = os.path.join(out, "before.folded")
    stacks, size = report_bench.generate(before + ".tmp")
    os.replace(before + ".tmp", before)
    files["before.folded"] = {"stacks": stacks, "bytes": size}
    after = os.path.join(out, "after.folded")
    stacks, size = diff_bench.perturb(before, after + ".tmp")
    os.replace(after + ".tmp", after)
    files["after.folded"] = {"stacks": stacks, "bytes": size}
    for name, info in files.items():
        info["sha256"] = sha256(os.path.join(out, name))
    with open(stamp_path + ".tmp", "w") as f:
        json.dump({"parameters": parameters(), "files": files}, f, indent=2)
        f.write("\n")
    os.replace(stamp_path + ".tmp", stamp_path)
    return files, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="where to write (default %(default)s)")
    ap.add_argument("--force", action="store_true", help="regenerate even if up to date")
    ap.add_argument("--check", action="store_true",
                    help="only verify (sizes and SHA-256); exit 1 if missing or stale")
    args = ap.parse_args()
    out = os.path.abspath(args.out)

    stamp = read_stamp(out)
    if args.check:
        if up_to_date(out, stamp, verify=True):
            print("gen_inputs: %s is up to date" % out)
            return 0
        print("gen_inputs: %s is missing or stale: run python3 %s" % (out, os.path.relpath(__file__)),
              file=sys.stderr)
        return 1
    if not args.force and up_to_date(out, stamp, verify=False):
        print("gen_inputs: %s is up to date (--force regenerates)" % out)
        return 0
    files, seconds = generate(out)
    for name, info in files.items():
        print("gen_inputs: %s: %d stacks, %.1f MB, sha256 %s"
              % (os.path.join(out, name), info["stacks"], info["bytes"] / 1e6, info["sha256"][:16]))
    print("gen_inputs: generated in %.1f s" % seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
