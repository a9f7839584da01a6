#!/usr/bin/env bash
# Quick start: installs what is missing, builds, and profiles the bundled
# example benchmarks with `profgate run`, then shows where the results are.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/install-deps.sh
bash ci/build.sh build
pg=build/harness/profgate
out=profgate-out
rm -rf "$out"
"$pg" run -o "$out/bench_parse" -- build/examples/bench_parse
"$pg" run -o "$out/bench_threads-wall" --mode wall -- build/examples/bench_threads
"$pg" run -o "$out/python3" -- python3 -c 'import json; [json.loads(json.dumps(list(range(20000)))) for _ in range(200)]'
echo
echo "== hottest stacks of bench_parse (cpu.folded, samples) =="
sort -t' ' -k2 -rn "$out/bench_parse/cpu.folded" | head -5
echo
echo "== bench_threads on the wall clock (wall.folded) =="
sort -t' ' -k2 -rn "$out/bench_threads-wall/wall.folded" | head -5
echo
echo "Profiles: $(cd "$out" && pwd)/*/{cpu.folded,wall.folded,profile.json}"
echo "Not yet in this version: report.html, 'profgate record' and 'profgate check' (see README, Status)."
