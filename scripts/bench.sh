#!/usr/bin/env bash
# Issue "bench-jmh": build, run ForwardBenchmark and GemmBenchmark in ONE JMH run (ratios are only
# meaningful within a run), and turn the results into a markdown report and a PNG plot.
#
#   scripts/bench.sh                 full sweep (ForwardBenchmark, TokenForwardBenchmark, RuntimeForwardBenchmark, GemmBenchmark:
#                                    the regex matches all four) -> docs/benchmarks.md (with the runtime section),
#                                    docs/benchmarks.png (+ the JMH JSON beside them), and the 50% rows quoted in README.md
#   scripts/bench.sh --quick         paper model, batch 1 and 32, 50% only, short iterations -> target/bench-quick/
#   scripts/bench.sh --scoring       ScoringBenchmark (kd-importance, 2 unit kinds x 2 image counts, ~9 min)
#                                    -> docs/scoring-benchmark.md (seconds, units x images / s, linearity ratios)
#                                    + docs/scoring-benchmark-jmh.json
#   scripts/bench.sh --runtimes      RuntimeForwardBenchmark: the same models (reference, paper), batches (1, 32) and plans
#                                    (unpruned; uniform and global at 30/50/70%) on libtorch, ONNX Runtime and ONNX Runtime int8,
#                                    threads equal, plus each runtime's GEMM on the largest product (~27 min), alone
#                                    -> docs/benchmarks-runtimes.md, .png + docs/benchmarks-runtimes-jmh.json
#   scripts/bench.sh [--quick|--scoring|--runtimes] [--out-dir DIR] [--no-build] [-- JMH arguments]
#                                    JMH arguments after -- replace the sweep's (benchmark regex included), e.g.
#                                    -- 'ForwardBenchmark|GemmBenchmark' -p model=paper -p strategy=weight-l1,weight-l2
#                                    -- ForwardBenchmark -p model=deit-tiny,deit-small,deit-base -p batch=1,32   (DeiT's shapes)
#
# Run it from a clone on an IDLE machine: with other work on the cores libtorch's threads wait on
# each other and the numbers mean nothing. The bundled model is read from models/reference at run
# time (the working directory must be the repository root; the script cd's there).
set -euo pipefail
cd "$(dirname "$0")/.."

invocation="scripts/bench.sh${*:+ $*}"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo "unknown commit")
if [[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]]; then commit="$commit + uncommitted changes"; fi
quick=false
scoring=false
runtimes=false
build=true
out_dir=""
jmh_args=()
custom=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=true; shift ;;
    --scoring) scoring=true; shift ;;
    --runtimes) runtimes=true; shift ;;
    --no-build) build=false; shift ;;
    --out-dir) out_dir="$2"; shift 2 ;;
    --) shift; jmh_args=("$@"); custom=true; break ;;
    *) echo "error: unknown argument '$1': expected --quick, --scoring, --runtimes, --no-build, --out-dir DIR or -- JMH arguments" >&2; exit 1 ;;
  esac
done

if [[ $(printf '%s\n' $quick $scoring $runtimes | grep -c true) -gt 1 ]]; then
  echo "error: more than one of --quick, --scoring and --runtimes given: expected one of them (narrow --scoring or --runtimes with -- and JMH's -p)" >&2; exit 1
fi
if [[ ${#jmh_args[@]} -eq 0 ]]; then
  if $scoring; then
    jmh_args=(ScoringBenchmark)
  elif $runtimes; then
    jmh_args=(RuntimeForwardBenchmark)
  elif $quick; then
    jmh_args=('ForwardBenchmark|GemmBenchmark' -p model=paper -p batch=1,32 -p ratio=0.5 -p execution=grouped,padded -wi 1 -i 3 -r 2s)
  else
    jmh_args=('ForwardBenchmark|GemmBenchmark' -p execution=grouped,padded)
  fi
fi
if [[ -z "$out_dir" ]]; then
  if $quick; then out_dir=target/bench-quick; else out_dir=docs; fi
fi
mkdir -p "$out_dir" target

if $build; then
  mvn -B -q package -DskipTests
fi
# JMH writes its JSON at the end; keep it under target/ until the report is written.
results=target/jmh-results.json
java -jar bench-jmh/target/benchmarks.jar "${jmh_args[@]}" -rf json -rff "$results"
if $scoring; then name=scoring-benchmark; elif $runtimes; then name=benchmarks-runtimes; else name=benchmarks; fi
readme=()
if ! $quick && ! $scoring && ! $runtimes && ! $custom && [[ "$out_dir" == docs ]]; then readme=(--readme README.md); fi
java -jar cli/target/vitprune.jar bench-report --jmh-json "$results" --out "$out_dir/$name.md" --plot "$out_dir/$name.png" "${readme[@]}" \
  --run-command "$invocation at $commit (JMH: java -jar bench-jmh/target/benchmarks.jar ${jmh_args[*]} -rf json -rff $results)"
cp "$results" "$out_dir/$name-jmh.json"
echo "report: $out_dir/$name.md (plot beside it when the run has forward or runtime results), raw JMH results: $out_dir/$name-jmh.json"
