#!/usr/bin/python3
"""Peer for bench/run_train.sh: a plain PyTorch LoRA training loop in Python (Debian's
python3-torch), as a user would write it without PEFT: Qwen3 modules with LoRA branches
on every projection, full logits and cross-entropy with ignore_index=-100, AdamW on the
adapter parameters. Same shapes, batch, sequence length, threads and step count as
train_bench; prints one JSON line: tokens/s (first step untimed) and peak RSS.

  peer_lora_train.py PRESET SEQ_LEN BATCH STEPS THREADS
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    "tiny": dict(hidden=64, inter=192, layers=2, heads=4, kv=2, head_dim=16),
    "small": dict(hidden=256, inter=768, layers=4, heads=4, kv=2, head_dim=64),
    "0.6b-shape": dict(hidden=1024, inter=3072, layers=28, heads=16, kv=8, head_dim=128),
}
VOCAB = 151936


class LoraLinear(nn.Module):
    def __init__(self, n_in, n_out, r=16, alpha=32):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in) * 0.02, requires_grad=False)
        self.a = nn.Parameter(torch.empty(r, n_in).uniform_(-1 / math.sqrt(n_in), 1 / math.sqrt(n_in)))
        self.b = nn.Parameter(torch.zeros(n_out, r))
        self.scale = alpha / r

    def forward(self, x):
        return F.linear(x, self.weight) + F.linear(F.linear(x, self.a), self.b) * self.scale


class RMSNorm(nn.Module):
    def __init__(self, n, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n), requires_grad=False)
        self.eps = eps

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), -1)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        H, D = c["hidden"], c["head_dim"]
        self.c = c
        self.q = LoraLinear(H, c["heads"] * D)
        self.k = LoraLinear(H, c["kv"] * D)
        self.v = LoraLinear(H, c["kv"] * D)
        self.o = LoraLinear(c["heads"] * D, H)
        self.qn, self.kn = RMSNorm(D), RMSNorm(D)
        self.n1, self.n2 = RMSNorm(H), RMSNorm(H)
        self.gate, self.up = LoraLinear(H, c["inter"]), LoraLinear(H, c["inter"])
        self.down = LoraLinear(c["inter"], H)

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        c = self.c
        h = self.n1(x)
        q = self.qn(self.q(h).view(B, T, -1, c["head_dim"])).transpose(1, 2)
        k = self.kn(self.k(h).view(B, T, -1, c["head_dim"])).transpose(1, 2)
        v = self.v(h).view(B, T, -1, c["head_dim"]).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        g = c["heads"] // c["kv"]
        k, v = k.repeat_interleave(g, 1), v.repeat_interleave(g, 1)
        s = q @ k.transpose(-1, -2) / math.sqrt(c["head_dim"]) + mask
        a = torch.softmax(s, -1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(B, T, -1))
        h = self.n2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed = nn.Parameter(torch.randn(VOCAB, c["hidden"]) * 0.02, requires_grad=False)
        self.layers = nn.ModuleList(Layer(c) for _ in range(c["layers"]))
        self.norm = RMSNorm(c["hidden"])
        self.c = c

    def forward(self, ids):
        B, T = ids.shape
        D = self.c["head_dim"]
        inv = 1.0 / (1e6 ** (torch.arange(0, D, 2).float() / D))
        f = torch.arange(T).float()[:, None] * inv
        emb = torch.cat((f, f), -1)
        cos, sin = emb.cos(), emb.sin()
        mask = torch.full((T, T), torch.finfo(torch.float32).min).triu(1)
        x = self.embed[ids]
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.norm(x) @ self.embed.T


def main():
    preset, seq, batch, steps, threads = sys.argv[1], *map(int, sys.argv[2:6])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = Model(PRESETS[preset])
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    g = torch.Generator().manual_seed(3)
    start = tokens = 0
    for step in range(steps + 1):
        if step == 1:
            start, tokens = time.time(), 0
        ids = torch.randint(0, 150000, (batch, seq), generator=g)
        labels = ids.clone()
        labels[:, : seq // 2] = -100
        logits = model(ids)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, VOCAB).float(), labels[:, 1:].reshape(-1),
                               ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        tokens += batch * seq
    elapsed = time.time() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"tokens_per_s": tokens / elapsed, "peak_rss_mb": rss, "final_loss": loss.item()}))


if __name__ == "__main__":
    main()
