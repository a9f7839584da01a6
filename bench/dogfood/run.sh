#!/bin/sh
# The program that the benchmarks of the repository's own profgate.json start:
#
#   bench/dogfood/run.sh COMMAND [ARG...]
#
# runs the profgate under test with COMMAND ARG..., where an argument that
# starts with "@in/" names a file of the generated inputs (bench/dogfood/inputs/,
# written by gen_inputs.py) and one that starts with "@out/" a file in a fresh
# temporary directory, removed afterwards: the benchmarks' outputs never land
# in the tree, and two runs never share them.
#
# The profgate under test is $PROFGATE_DOGFOOD_BIN if set (ci/dogfood.sh sets
# it to BUILD_DIR/harness/profgate), else build/harness/profgate of this
# checkout: the convention is "build the commit under test into build/".
#
# This script is part of every profile (profgate follows children): one sh,
# one mktemp and one rm, a few milliseconds next to the hundreds that
# profgate takes. It checks for its inputs instead of generating them, so
# that no measured run ever includes the generation.
set -u
here=${0%/*}
[ "$here" = "$0" ] && here=.
inputs=${PROFGATE_DOGFOOD_INPUTS:-$here/inputs}
bin=${PROFGATE_DOGFOOD_BIN:-$here/../../build/harness/profgate}

if [ ! -x "$bin" ]; then
  echo "bench/dogfood/run.sh: no profgate at '$bin': build it (bash ci/build.sh build) or set PROFGATE_DOGFOOD_BIN" >&2
  exit 2
fi
if [ ! -f "$inputs/inputs.json" ]; then
  echo "bench/dogfood/run.sh: no inputs in '$inputs': run python3 bench/dogfood/gen_inputs.py first" >&2
  exit 2
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/profgate-dogfood.XXXXXX") || exit 2
trap 'rm -rf "$out"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# Rewrite the arguments in place: each one is taken off the front and put
# back at the end, so "$@" keeps spaces intact.
n=$#
while [ "$n" -gt 0 ]; do
  a=$1
  shift
  case $a in
    @in/*) a=$inputs/${a#@in/} ;;
    @out/*) a=$out/${a#@out/} ;;
  esac
  set -- "$@" "$a"
  n=$((n - 1))
done

"$bin" "$@"
