#!/usr/bin/env bash
# How well does a latency table predict the plans of an `experiment latency` run (fractions of the unpruned model's latency)?
# Reads the run's CSV and the pruned models in its work directory; times nothing (scripts/LatencyTableCheck.java).
#
#   scripts/latency-table-check.sh TABLE BATCH WORK_DIR CSV    e.g. scripts/latency-table-check.sh docs/results/latency-table.json 32 target/experiments/latency docs/results/latency.csv
#
# Needs a build (mvn -B -o install -DskipTests).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -eq 4 ]] || { echo "usage: scripts/latency-table-check.sh TABLE BATCH WORK_DIR CSV" >&2; exit 2; }
[[ -f cli/target/vitprune.jar ]] || { echo "error: cli/target/vitprune.jar is missing: build first (mvn -B -o install -DskipTests)" >&2; exit 2; }
exec java ${JAVA_OPTS:-} -cp "cli/target/vitprune.jar:cli/target/lib/*" scripts/LatencyTableCheck.java "$@"
