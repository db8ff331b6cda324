#!/usr/bin/python3
"""Eager-PyTorch peer of vitprune's ForwardBenchmark and GemmBenchmark (issue "bench-jmh"). NOT run in CI.

Needs Debian's PyTorch, run with Debian's interpreter (a pyenv/venv python3 will not see it):

    apt-get install python3-torch libopenblas0-pthread       # PyTorch 1.13 (Debian 12)

It rebuilds, with random weights, exactly the shapes the JMH benchmarks measure (the ViT of
../shared/docs/methods.md section 1; ragged heads grouped by width, one batched product per
group, as vitprune runs them), times the forward pass under torch.inference_mode() with the same
thread settings (intra-op = the number of cores unless --threads, inter-op 1), batch sizes and
timing scheme (warm-up, then iterations of a fixed duration; mean time per call), and prints one
JSON list to stdout: per model, configuration and batch the latency, its ratio to the unpruned
model of the same run, the analytic MAC ratio, realized = latency cut / MAC cut, and the GFLOP/s
as a fraction of torch's own GEMM rate on the model's largest product. With --jmh-json the JMH
results of the same configurations are added to each record (djl_*), side by side, and a table
is printed to stderr.

The shapes come from vitprune itself, so they are identical (same loading, scorer, selector,
surgery as the benchmark):

    java -cp bench-jmh/target/benchmarks.jar io.vitprune.bench.ExportShapes target/peer-shapes
    /usr/bin/python3 bench-jmh/peer/forward_peer.py --shapes target/peer-shapes > target/peer.json
    /usr/bin/python3 bench-jmh/peer/forward_peer.py --shapes target/peer-shapes --jmh-json target/jmh/results.json > target/peer.json

A plain vitprune model.json (any saved model) is accepted too: --shapes DIR/model.json.
Quick: --only 'paper(_weight-l1_global_ragged_0.5)?\\.json$' --batch 32 --iterations 2.
Like the JMH run, it means nothing on a machine with other work on its cores.
"""
import argparse
import glob
import json
import math
import os
import re
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class Block(nn.Module):
    """Pre-norm block: x + Attn(LN(x)), then x + MLP(LN(x)); heads of any widths, equal widths adjacent."""

    def __init__(self, dim, head_widths, mlp, scale):
        super().__init__()
        self.inner = sum(head_widths)
        self.scale = scale
        self.groups = []  # (first channel, heads, width) per run of equal-width heads
        channel, h = 0, 0
        while h < len(head_widths):
            width, count = head_widths[h], 0
            while h < len(head_widths) and head_widths[h] == width:
                h, count = h + 1, count + 1
            self.groups.append((channel, count, width))
            channel += count * width
        self.attn_norm = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * self.inner, bias=False)
        self.out = nn.Linear(self.inner, dim)
        self.mlp_norm = nn.LayerNorm(dim)
        self.mlp_in = nn.Linear(dim, mlp)
        self.mlp_out = nn.Linear(mlp, dim)

    def forward(self, x):
        b, n, _ = x.shape
        qkv = self.qkv(self.attn_norm(x))
        outputs = []
        for first, heads, width in self.groups:
            def heads_of(start):
                return qkv[:, :, start:start + heads * width].reshape(b, n, heads, width).transpose(1, 2)
            q = heads_of(first) * self.scale
            k = heads_of(self.inner + first)
            v = heads_of(2 * self.inner + first)
            weights = (q @ k.transpose(-1, -2)).softmax(-1)
            outputs.append((weights @ v).transpose(1, 2).reshape(b, n, heads * width))
        merged = outputs[0] if len(outputs) == 1 else torch.cat(outputs, -1)
        x = x + self.out(merged)
        return x + self.mlp_out(F.gelu(self.mlp_in(self.mlp_norm(x))))


class ViT(nn.Module):
    def __init__(self, config, structure):
        super().__init__()
        self.patch = config["patchSize"]
        self.side = config["imageSize"] // self.patch
        patch_dim = self.patch * self.patch * 3
        dim = config["dim"]
        self.patch_norm = nn.LayerNorm(patch_dim)
        self.patch_linear = nn.Linear(patch_dim, dim)
        self.embed_norm = nn.LayerNorm(dim)
        self.cls = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.positions = nn.Parameter(torch.randn(1, self.side * self.side + 1, dim) * 0.02)
        scale = config["dimHead"] ** -0.5
        self.blocks = nn.ModuleList(Block(dim, b["headWidths"], b["mlpWidth"], scale) for b in structure["blocks"])
        self.final_norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, config["classes"])

    def forward(self, images):
        b = images.shape[0]
        p, s = self.patch, self.side
        # (B, C, H, W) -> (B, patches, p * p * C), each patch flattened as (row, col, channel).
        x = images.reshape(b, 3, s, p, s, p).permute(0, 2, 4, 3, 5, 1).reshape(b, s * s, p * p * 3)
        x = self.embed_norm(self.patch_linear(self.patch_norm(x)))
        x = torch.cat([self.cls.expand(b, -1, -1), x], 1) + self.positions
        for block in self.blocks:
            x = block(x)
        return self.head(self.final_norm(x[:, 0]))


def macs_per_image(config, structure):
    """As vitprune's ModelStats: matrix products only."""
    dim, tokens = config["dim"], (config["imageSize"] // config["patchSize"]) ** 2 + 1
    patch_dim = config["patchSize"] ** 2 * 3
    macs = (tokens - 1) * patch_dim * dim + dim * config["classes"]
    for block in structure["blocks"]:
        inner, mlp = sum(block["headWidths"]), block["mlpWidth"]
        macs += tokens * dim * 3 * inner + 2 * tokens * tokens * inner + tokens * inner * dim + 2 * tokens * dim * mlp
    return macs


def largest_product(config):
    """(in, out) of the unpruned model's Linear with the most weights, as GemmBenchmark."""
    inner = config["heads"] * config["dimHead"]
    linears = [(config["dim"], 3 * inner), (inner, config["dim"]), (config["dim"], config["mlpDim"]), (config["mlpDim"], config["dim"])]
    return max(linears, key=lambda io: io[0] * io[1])


def measure(call, warmup_seconds, iterations, seconds):
    """JMH-like average time: warm-up, then iterations of at least `seconds`; mean and sd of per-iteration ms/call."""
    deadline = time.perf_counter() + warmup_seconds
    call()
    while time.perf_counter() < deadline:
        call()
    per_call = []
    for _ in range(iterations):
        calls, start = 0, time.perf_counter()
        while True:
            call()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        per_call.append(1e3 * elapsed / calls)
    mean = sum(per_call) / len(per_call)
    sd = math.sqrt(sum((v - mean) ** 2 for v in per_call) / (len(per_call) - 1)) if len(per_call) > 1 else None
    return mean, sd, per_call


def blas_libraries():
    """The BLAS shared objects this process has loaded (Debian's torch calls whatever libblas.so.3 points to)."""
    torch.randn(64, 64) @ torch.randn(64, 64)
    try:
        with open("/proc/self/maps") as maps:
            found = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
        return sorted(os.path.realpath(f) for f in found)
    except OSError:
        return []


def shape_files(path, only):
    files = sorted(glob.glob(os.path.join(path, "*.json"))) if os.path.isdir(path) else [path]
    files = [f for f in files if not only or re.search(only, os.path.basename(f))]
    if not files:
        sys.exit(f"error: no shape files in {path}" + (f" matching {only!r}" if only else "")
                 + ": expected the output of io.vitprune.bench.ExportShapes or a vitprune model.json")
    shapes = []
    for f in files:
        with open(f) as handle:
            data = json.load(handle)
        if "config" not in data or "structure" not in data:
            sys.exit(f"error: {f}: expected 'config' and 'structure' (ExportShapes output or a vitprune model.json)")
        params = data.get("params", {"model": os.path.basename(os.path.dirname(os.path.abspath(f))) or f})
        shapes.append((params, data["config"], data["structure"]))
    return shapes


def jmh_latencies(path):
    """(benchmark short name, sorted params) -> ms per call, from a JMH -rf json file."""
    units = {"ns/op": 1e-6, "us/op": 1e-3, "ms/op": 1.0, "s/op": 1e3}
    with open(path) as handle:
        results = json.load(handle)
    table = {}
    for r in results:
        unit = r["primaryMetric"]["scoreUnit"]
        if unit in units:
            name = ".".join(r["benchmark"].split(".")[-2:])
            table[(name, tuple(sorted(r.get("params", {}).items())))] = r["primaryMetric"]["score"] * units[unit]
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", required=True, help="directory written by ExportShapes, or one JSON file")
    parser.add_argument("--only", help="regular expression on the shape file names")
    parser.add_argument("--batch", default="1,32,128")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="intra-op threads (default: cores, as vitprune)")
    parser.add_argument("--warmup-seconds", type=float, default=6.0, help="as JMH's 3 x 2 s")
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0, help="duration of one measurement iteration")
    parser.add_argument("--jmh-json", help="JMH results of the same configurations, added side by side")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(7)
    batches = [int(b) for b in args.batch.split(",")]
    shapes = shape_files(args.shapes, args.only)
    jmh = jmh_latencies(args.jmh_json) if args.jmh_json else {}
    build = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=(\w+)", build)
    environment = {"torch": torch.__version__, "threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads(),
                   "blas": blas.group(1) if blas else "unknown", "blas_libraries": blas_libraries(), "cores": os.cpu_count()}

    records = []
    with torch.inference_mode():
        gemm = {}
        for params, config, structure in shapes:
            key = params["model"]
            for batch in batches:
                if (key, batch) in gemm:
                    continue
                k, n = largest_product(config)
                tokens = (config["imageSize"] // config["patchSize"]) ** 2 + 1
                x, w = torch.randn(batch, tokens, k), torch.randn(n, k)
                mean, sd, raw = measure(lambda: F.linear(x, w), args.warmup_seconds, args.iterations, args.seconds)
                macs = batch * tokens * k * n
                gemm[(key, batch)] = 2 * macs / (mean * 1e-3) / 1e9
                records.append({"benchmark": "GemmBenchmark.linear", "params": {"model": key, "batch": str(batch)}, "ms": mean, "ms_sd": sd,
                                "raw_ms": raw, "macs_per_call": macs, "gflops": gemm[(key, batch)], **environment})
        for params, config, structure in shapes:
            model = ViT(config, structure).eval()
            macs = macs_per_image(config, structure)
            for batch in batches:
                images = torch.randn(batch, 3, config["imageSize"], config["imageSize"])
                assert not model(images).requires_grad
                mean, sd, raw = measure(lambda: model(images), args.warmup_seconds, args.iterations, args.seconds)
                name = "ForwardBenchmark.pruned" if "strategy" in params else "ForwardBenchmark.unpruned"
                record = {"benchmark": name, "params": {**params, "batch": str(batch)}, "ms": mean, "ms_sd": sd, "raw_ms": raw,
                          "macs_per_call": macs * batch, "gflops": 2 * macs * batch / (mean * 1e-3) / 1e9, **environment}
                record["gemm_fraction"] = record["gflops"] / gemm[(params["model"], batch)]
                djl = jmh.get((name, tuple(sorted(record["params"].items()))))
                if djl is not None:
                    record["djl_ms"] = djl
                records.append(record)
                print(f"{name} {record['params']}: {mean:.3f} ms", file=sys.stderr)

    # Ratios to the unpruned model of the same model and batch, for torch and (if given) DJL.
    base = {(r["params"]["model"], r["params"]["batch"]): r for r in records if r["benchmark"] == "ForwardBenchmark.unpruned"}
    for r in records:
        if not r["benchmark"].startswith("ForwardBenchmark"):
            continue
        b = base.get((r["params"]["model"], r["params"]["batch"]))
        if b is None:
            print(f"warning: no unpruned shapes for {r['params']}: ratios left out", file=sys.stderr)
            continue
        r["latency_ratio"] = r["ms"] / b["ms"]
        r["mac_ratio"] = r["macs_per_call"] / b["macs_per_call"]
        if r["mac_ratio"] < 1:
            r["realized"] = (1 - r["latency_ratio"]) / (1 - r["mac_ratio"])
        if "djl_ms" in r and "djl_ms" in b:
            r["djl_latency_ratio"] = r["djl_ms"] / b["djl_ms"]
            if r["mac_ratio"] < 1:
                r["djl_realized"] = (1 - r["djl_latency_ratio"]) / (1 - r["mac_ratio"])
    json.dump(records, sys.stdout, indent=2)
    print(file=sys.stdout)

    if jmh:
        def cell(r, key, digits):
            return f"{r[key]:.{digits}f}" if key in r else ""
        print("\n| model | batch | configuration | MAC ratio | DJL ms | DJL ratio | DJL realized | torch ms | torch ratio | torch realized |",
              file=sys.stderr)
        print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|", file=sys.stderr)
        for r in records:
            if r["benchmark"].startswith("ForwardBenchmark"):
                p = r["params"]
                label = " ".join(p[k] for k in ("strategy", "selector", "heads", "ratio") if k in p) or "unpruned"
                print(f"| {p['model']} | {p['batch']} | {label} | {cell(r, 'mac_ratio', 3)} | {cell(r, 'djl_ms', 2)} | "
                      f"{cell(r, 'djl_latency_ratio', 3)} | {cell(r, 'djl_realized', 2)} | {cell(r, 'ms', 2)} | "
                      f"{cell(r, 'latency_ratio', 3)} | {cell(r, 'realized', 2)} |", file=sys.stderr)


if __name__ == "__main__":
    main()
