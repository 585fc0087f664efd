#!/usr/bin/python3
"""An independent Qwen3 forward in plain PyTorch (Debian's python3-torch), written from
transformers' modeling_qwen3 description, to check tracemill's C++ model.

  qwen3_reference.py MODEL_DIR CASES.safetensors

MODEL_DIR holds config.json and model.safetensors; CASES.safetensors holds, per case k,
`ids_k` [B, T] (I64), `mask_k` [B, T] (I64, 1 token / 0 padding) and `logits_k` [B, T, V]
(F32, tracemill's output). Prints the largest difference at token positions per case and
exits 1 if any is over 1e-4. Reads safetensors itself (the package is not in Debian).
"""
import json
import math
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16, "I64": torch.int64}


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        buf = bytearray(data[base + begin:base + end])
        t = torch.frombuffer(buf, dtype=DTYPES[entry["dtype"]]) if buf else torch.empty(0, dtype=DTYPES[entry["dtype"]])
        out[name] = t.reshape(entry["shape"]).clone()
    return out


def rms_norm(x, w, eps):
    xf = x.float()
    return w * (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def forward(cfg, w, ids, mask):
    B, T = ids.shape
    H, D = cfg["hidden_size"], cfg["head_dim"]
    nH, nKV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    eps = cfg["rms_norm_eps"]
    theta = cfg.get("rope_theta") or cfg["rope_parameters"]["rope_theta"]
    x = w["model.embed_tokens.weight"][ids]
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    inv = 1.0 / (theta ** (torch.arange(0, D, 2, dtype=torch.float32) / D))
    freqs = pos.float()[..., None] * inv
    emb = torch.cat((freqs, freqs), -1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    allowed = causal[None] & mask.bool()[:, None, :]
    bias = torch.zeros(B, 1, T, T).masked_fill(~allowed[:, None], torch.finfo(torch.float32).min)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = (h @ w[p + "self_attn.q_proj.weight"].T).view(B, T, nH, D)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).view(B, T, nKV, D)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).view(B, T, nKV, D)
        q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps).transpose(1, 2)
        k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps).transpose(1, 2)
        v = v.transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # Grouped-query: query head j reads KV head j // (nH / nKV).
        k = k[:, torch.arange(nH) // (nH // nKV)]
        v = v[:, torch.arange(nH) // (nH // nKV)]
        s = (q @ k.transpose(-1, -2)) / math.sqrt(D) + bias
        a = torch.softmax(s.float(), -1).to(q.dtype) @ v
        x = x + a.transpose(1, 2).reshape(B, T, nH * D) @ w[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        g = h @ w[p + "mlp.gate_proj.weight"].T
        u = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(g) * u) @ w[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", True) else w["lm_head.weight"]
    return (x @ head.T).float()


def main():
    model_dir, cases_path = sys.argv[1], sys.argv[2]
    cfg = json.load(open(f"{model_dir}/config.json"))
    w = {k: v.float() for k, v in read_safetensors(f"{model_dir}/model.safetensors").items()}
    cases = read_safetensors(cases_path)
    worst = 0.0
    for k in sorted({n.split("_", 1)[1] for n in cases}):
        ids, mask, theirs = cases[f"ids_{k}"], cases[f"mask_{k}"], cases[f"logits_{k}"]
        with torch.no_grad():
            ours = forward(cfg, w, ids, mask)
        at_tokens = mask.bool()
        ours, theirs = ours[at_tokens], theirs[at_tokens]
        diff = (ours - theirs).abs().max().item()
        print(f"case {k}: {tuple(ids.shape)} max |diff| at tokens {diff:.3g}")
        for who, x in (("python", ours), ("tracemill", theirs)):
            bad = (~torch.isfinite(x)).sum().item()
            if bad:
                print(f"  {who}: {bad} non-finite logits at token positions")
        # Python's max() ignores NaN (max(0.0, nan) == 0.0): test it explicitly.
        if not math.isfinite(diff) or diff > worst:
            worst = diff
    sys.exit(0 if math.isfinite(worst) and worst <= 1e-4 else 1)


if __name__ == "__main__":
    main()
