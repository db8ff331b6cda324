#!/usr/bin/env bash
# Does a model's latency add up from its blocks timed as calibrate times them (stacks of one block shape)?
# Times, interleaved in shuffled rounds on libtorch, each model whole, the embedding and classifier, every block
# shape of the models as a stack, and the two halves the latency table adds up (scripts/LatencyParts.java).
#
#   scripts/latency-parts.sh BATCH MODEL_DIR...      e.g. scripts/latency-parts.sh 1 models/reference target/experiments/latency/latency-b1-0.50/pruned
#
# Needs a build (mvn -B -o install -DskipTests) and an IDLE machine; libtorch threads: -Dai.djl.pytorch.num_threads via JAVA_OPTS.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 2 ]] || { echo "usage: scripts/latency-parts.sh BATCH MODEL_DIR..." >&2; exit 2; }
[[ -f cli/target/vitprune.jar ]] || { echo "error: cli/target/vitprune.jar is missing: build first (mvn -B -o install -DskipTests)" >&2; exit 2; }
exec java ${JAVA_OPTS:-} -cp "cli/target/vitprune.jar:cli/target/lib/*" scripts/LatencyParts.java "$@"
