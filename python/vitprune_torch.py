"""A vitprune model, pruned or not, rebuilt in plain PyTorch (no dependency but torch).

`vitprune export --format pytorch --model M --out DIR` writes DIR/model.safetensors (vitprune's
parameter names) and DIR/vitprune.json (config, topology, preprocessing and the per-block widths,
ragged heads included). This module rebuilds the model from them:

    import vitprune_torch
    model = vitprune_torch.load("DIR").eval()
    logits = model(images)   # (batch, 3, H, W), preprocessed as vitprune.json's "preprocessing" says

Run as a script, it classifies the images of a safetensors file (tensor "images") and writes the
logits to another (tensor "logits"): python3 vitprune_torch.py DIR images.safetensors logits.safetensors
"""
import json
import math
import struct
import sys
from pathlib import Path

import torch
from torch import nn
import torch.nn.functional as F

# The safetensors format is read and written here (a JSON header and raw little-endian arrays):
# the `safetensors` package would be this module's only dependency beyond torch.
_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64, "I64": torch.int64}


def read_safetensors(path):
    data = Path(path).read_bytes()
    (header_size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_size])
    body = data[8 + header_size:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        tensor = torch.frombuffer(bytearray(body[start:end]), dtype=_DTYPES[entry["dtype"]])
        tensors[name] = tensor.reshape(entry["shape"]).clone()
    return tensors


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        raw = tensor.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    encoded = json.dumps(header).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(chunks))


class Attention(nn.Module):
    """Heads of any widths (equal widths adjacent); the scale is the unpruned head's, dim_head ** -0.5."""

    def __init__(self, dim, head_widths, dim_head, qkv_bias):
        super().__init__()
        self.head_widths = list(head_widths)
        inner = sum(self.head_widths)
        self.scale = dim_head ** -0.5
        self.qkv = nn.Linear(dim, 3 * inner, bias=qkv_bias)
        self.out = nn.Linear(inner, dim)

    def forward(self, x):
        batch, tokens, _ = x.shape
        inner = sum(self.head_widths)
        q, k, v = self.qkv(x).split(inner, dim=-1)
        outputs, first = [], 0
        for width in self.head_widths:
            head = slice(first, first + width)
            weights = (q[..., head] * self.scale) @ k[..., head].transpose(-2, -1)
            outputs.append(weights.softmax(dim=-1) @ v[..., head])
            first += width
        return self.out(torch.cat(outputs, dim=-1))


class Block(nn.Module):
    def __init__(self, dim, block, dim_head, topology):
        super().__init__()
        eps = topology["layerNormEps"]
        self.attn_norm = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, block["headWidths"], dim_head, topology["qkvBias"])
        self.mlp_norm = nn.LayerNorm(dim, eps=eps)
        self.mlp_in = nn.Linear(dim, block["mlpWidth"])
        self.mlp_out = nn.Linear(block["mlpWidth"], dim)
        self.approximate = "tanh" if topology["gelu"] == "TANH" else "none"
        if topology.get("layerScale", False):  # LayerScale: per-channel gains on both branches
            self.attn_scale = nn.Parameter(torch.ones(dim))
            self.mlp_scale = nn.Parameter(torch.ones(dim))
        else:
            self.attn_scale = self.mlp_scale = None

    def forward(self, x):
        attended = self.attn(self.attn_norm(x))
        x = x + (attended if self.attn_scale is None else attended * self.attn_scale)
        mlp = self.mlp_out(F.gelu(self.mlp_in(self.mlp_norm(x)), approximate=self.approximate))
        return x + (mlp if self.mlp_scale is None else mlp * self.mlp_scale)


class VitpruneViT(nn.Module):
    def __init__(self, manifest):
        super().__init__()
        config, structure = manifest["config"], manifest["structure"]
        self.config = config
        self.topology = config["topology"]
        dim, patch = config["dim"], config["patchSize"]
        patch_dim = 3 * patch * patch
        eps = self.topology["layerNormEps"]
        self.normed_patches = self.topology["patchEmbedding"] == "NORMED_LINEAR"
        if self.normed_patches:
            self.patch_norm = nn.LayerNorm(patch_dim, eps=eps)
            self.embed_norm = nn.LayerNorm(dim, eps=eps)
        self.patch = nn.Linear(patch_dim, dim)
        # DeiT distilled: a second learned token after the class token, with its own head.
        self.distilled = self.topology.get("distillationToken", False)
        tokens = (config["imageSize"] // patch) ** 2 + (2 if self.distilled else 1)
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
        if self.distilled:
            self.distillation_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.position_embedding = nn.Parameter(torch.zeros(1, tokens, dim))
        self.blocks = nn.ModuleList(Block(dim, block, config["dimHead"], self.topology) for block in structure["blocks"])
        self.final_norm = nn.LayerNorm(dim, eps=eps)
        self.head = nn.Linear(dim, config["classes"])
        if self.distilled:
            self.head_dist = nn.Linear(dim, config["classes"])

    def forward(self, images):
        batch, channels, height, width = images.shape
        p = self.config["patchSize"]
        grid = images.reshape(batch, channels, height // p, p, width // p, p)
        if self.normed_patches:  # each patch as (row, col, channel), between two LayerNorms
            x = self.embed_norm(self.patch(self.patch_norm(grid.permute(0, 2, 4, 3, 5, 1).reshape(batch, -1, p * p * channels))))
        else:  # a convolution's kernel order: (channel, row, col)
            x = self.patch(grid.permute(0, 2, 4, 1, 3, 5).reshape(batch, -1, channels * p * p))
        learned = [self.class_token, self.distillation_token] if self.distilled else [self.class_token]
        x = torch.cat([token.expand(batch, -1, -1) for token in learned] + [x], dim=1) + self.position_embedding
        for block in self.blocks:
            x = block(x)
        if self.distilled:  # the mean of both heads, as timm's DeiT at inference
            return (self.head(self.final_norm(x[:, 0])) + self.head_dist(self.final_norm(x[:, 1]))) / 2
        pooled = x[:, 1:].mean(dim=1) if self.topology.get("pooling") == "AVERAGE" else x[:, 0]
        return self.head(self.final_norm(pooled))


# vitprune's parameter names, by this module's.
_TOP = {"patch_norm.weight": "patch_norm_gamma", "patch_norm.bias": "patch_norm_beta", "patch.weight": "patch_weight",
        "patch.bias": "patch_bias", "embed_norm.weight": "embed_norm_gamma", "embed_norm.bias": "embed_norm_beta",
        "class_token": "class_token", "position_embedding": "position_embedding", "final_norm.weight": "final_norm_gamma",
        "final_norm.bias": "final_norm_beta", "head.weight": "head_weight", "head.bias": "head_bias",
        "distillation_token": "distillation_token", "head_dist.weight": "head_dist_weight", "head_dist.bias": "head_dist_bias"}
_BLOCK = {"attn_norm.weight": "attn_norm_gamma", "attn_norm.bias": "attn_norm_beta", "attn.qkv.weight": "qkv_weight",
          "attn.qkv.bias": "qkv_bias", "attn.out.weight": "out_weight", "attn.out.bias": "out_bias",
          "mlp_norm.weight": "mlp_norm_gamma", "mlp_norm.bias": "mlp_norm_beta", "mlp_in.weight": "mlp_in_weight",
          "mlp_in.bias": "mlp_in_bias", "mlp_out.weight": "mlp_out_weight", "mlp_out.bias": "mlp_out_bias",
          "attn_scale": "attn_scale_gamma", "mlp_scale": "mlp_scale_gamma"}


def _vitprune_name(name):
    if name.startswith("blocks."):
        _, index, rest = name.split(".", 2)
        return "block%02d.%s" % (int(index), _BLOCK[rest])
    return _TOP[name]


def load(directory):
    """The model that `vitprune export --format pytorch` wrote to `directory`, every parameter checked."""
    directory = Path(directory)
    manifest = json.loads((directory / "vitprune.json").read_text())
    model = VitpruneViT(manifest)
    tensors = read_safetensors(directory / "model.safetensors")
    state = {}
    for name, parameter in model.state_dict().items():
        source = _vitprune_name(name)
        tensor = tensors.pop(source)
        if tensor.shape != parameter.shape:
            raise ValueError("%s has shape %s: expected %s" % (source, tuple(tensor.shape), tuple(parameter.shape)))
        state[name] = tensor.to(torch.float32)
    if tensors:
        raise ValueError("tensors this module does not use: %s" % sorted(tensors))
    model.load_state_dict(state)
    return model


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: python3 vitprune_torch.py MODEL_DIR IMAGES.safetensors LOGITS_OUT.safetensors")
    with torch.no_grad():
        logits = load(sys.argv[1]).eval()(read_safetensors(sys.argv[2])["images"])
    write_safetensors(sys.argv[3], {"logits": logits})
