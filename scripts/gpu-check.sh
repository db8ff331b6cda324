#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU: builds vitprune against a CUDA build of libtorch,
# then (1) scores the bundled model's attention channels exactly (every channel ablated alone) and by
# the Fisher estimate on the GPU and on the CPU, and compares them (DeviceScoringCheck: timings, the
# largest difference of any channel's losses, Spearman of kl-importance and kd-importance GPU vs
# CPU; fails below 0.999), and (2) runs the scoring benchmark on the GPU (DJL's default device is
# the GPU when it sees one) into target/gpu-check/scoring-benchmark.md, to set beside
# docs/scoring-benchmark.md.
#
#   scripts/gpu-check.sh [--images N] [--no-build]     N scoring images for the comparison (default 100)
#
# libtorch with CUDA comes from either
#   - the Maven profile `cuda` (DJL's pytorch-native-cu128 from Maven Central; pick the cuXXX artifact that
#     matches the driver in pom.xml), which needs the registry or a filled ~/.m2; or
#   - a CUDA libtorch 2.7.1 already on the machine (e.g. a pip torch 2.7.1's torch/lib):
#     PYTORCH_LIBRARY_PATH=DIR PYTORCH_VERSION=2.7.1 PYTORCH_FLAVOR=cu128 scripts/gpu-check.sh --no-build
#     after an ordinary build (DJL then loads that library instead of the CPU one).
# Needs ../shared/datasets/cifar10 (the training split) and the repository root as working directory (the script cd's there).
set -euo pipefail
cd "$(dirname "$0")/.."

images=100
build=true
while [[ $# -gt 0 ]]; do
  case "$1" in
    --images) images="$2"; shift 2 ;;
    --no-build) build=false; shift ;;
    *) echo "error: unknown argument '$1': expected --images N or --no-build" >&2; exit 1 ;;
  esac
done

if ! nvidia-smi -L; then
  echo "error: nvidia-smi lists no GPU: this check needs an NVIDIA GPU and its driver" >&2
  exit 2
fi
if $build; then
  mvn -B -q -Pcuda package -DskipTests
fi
java -cp bench-jmh/target/benchmarks.jar io.vitprune.bench.DeviceScoringCheck models/reference "$images" attention-channel
scripts/bench.sh --scoring --no-build --out-dir target/gpu-check
