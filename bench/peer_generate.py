#!/usr/bin/python3
"""The peer of generate_bench: greedy Qwen3 generation with a KV cache, written in plain
PyTorch (Debian's python3-torch; transformers is not packaged) the way a user writes it:
F.linear projections, per-layer key/value caches grown with torch.cat, repeat_interleave
for grouped-query heads, fp32 softmax, logits only at the last position.

  peer_generate.py MODEL_DIR PROMPT_LEN NEW_TOKENS THREADS [STREAMS=1]

STREAMS > 1 runs that many requests one after another (a plain loop serves one at a time).
Prints one JSON line like generate_bench's.
"""
import json
import math
import struct
import sys
import time

import torch
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}


def load(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[8 + n + b:8 + n + end]), dtype=DTYPES[e["dtype"]])
        out[name] = t.reshape(e["shape"]).float()
    return out


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Qwen3:
    def __init__(self, model_dir):
        self.cfg = c = json.load(open(f"{model_dir}/config.json"))
        self.w = load(f"{model_dir}/model.safetensors")
        self.nh, self.nkv, self.d = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
        self.eps = c["rms_norm_eps"]
        self.layers = [{k: self.w[f"model.layers.{i}.{k}.weight"] for k in (
            "input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
            "self_attn.o_proj", "self_attn.q_norm", "self_attn.k_norm",
            "post_attention_layernorm", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")}
            for i in range(c["num_hidden_layers"])]
        self.head = self.w["model.embed_tokens.weight"] if c.get("tie_word_embeddings", True) \
            else self.w["lm_head.weight"]
        inv = 1.0 / (c["rope_theta"] ** (torch.arange(0, self.d, 2, dtype=torch.float32) / self.d))
        freqs = torch.arange(8192, dtype=torch.float32)[:, None] * inv
        emb = torch.cat((freqs, freqs), -1)
        self.cos, self.sin = emb.cos(), emb.sin()

    def forward(self, ids, start, cache):
        """Logits [1, V] at the last of `ids` [1, T], whose first token is at `start`."""
        T = ids.shape[1]
        x = F.embedding(ids, self.w["model.embed_tokens.weight"])
        cos, sin = self.cos[start:start + T], self.sin[start:start + T]
        mask = None
        if T > 1:
            mask = torch.full((T, start + T), float("-inf")).triu(start + 1)
        g = self.nh // self.nkv
        for i, L in enumerate(self.layers):
            h = rms_norm(x, L["input_layernorm"], self.eps)
            q = F.linear(h, L["self_attn.q_proj"]).view(1, T, self.nh, self.d)
            k = F.linear(h, L["self_attn.k_proj"]).view(1, T, self.nkv, self.d)
            v = F.linear(h, L["self_attn.v_proj"]).view(1, T, self.nkv, self.d).transpose(1, 2)
            q = rms_norm(q, L["self_attn.q_norm"], self.eps).transpose(1, 2)
            k = rms_norm(k, L["self_attn.k_norm"], self.eps).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            if cache[i] is not None:
                k = torch.cat((cache[i][0], k), 2)
                v = torch.cat((cache[i][1], v), 2)
            cache[i] = (k, v)
            k, v = k.repeat_interleave(g, 1), v.repeat_interleave(g, 1)
            s = q @ k.transpose(-1, -2) / math.sqrt(self.d)
            if mask is not None:
                s = s + mask
            a = torch.softmax(s, -1) @ v
            x = x + F.linear(a.transpose(1, 2).reshape(1, T, -1), L["self_attn.o_proj"])
            h = rms_norm(x, L["post_attention_layernorm"], self.eps)
            x = x + F.linear(F.silu(F.linear(h, L["mlp.gate_proj"])) * F.linear(h, L["mlp.up_proj"]),
                             L["mlp.down_proj"])
        x = rms_norm(x[:, -1], self.w["model.norm.weight"], self.eps)
        return F.linear(x, self.head)

    def generate(self, prompt, n):
        cache = [None] * len(self.layers)
        t0 = time.perf_counter()
        logits = self.forward(torch.tensor([prompt]), 0, cache)
        out = [int(logits.argmax(-1))]
        t1 = time.perf_counter()
        pos = len(prompt)
        while len(out) < n:
            logits = self.forward(torch.tensor([[out[-1]]]), pos, cache)
            out.append(int(logits.argmax(-1)))
            pos += 1
        t2 = time.perf_counter()
        return out, (t1 - t0) * 1000, (n - 1) / (t2 - t1) if n > 1 else 0.0


def main():
    model_dir, prompt_len, n, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    streams = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    torch.set_num_threads(threads)
    model = Qwen3(model_dir)
    prompt = [(i * 7919 + 13) % 150000 for i in range(prompt_len)]
    with torch.no_grad():
        model.generate(prompt, 4)  # warm-up
        start = time.perf_counter()
        runs = [model.generate(prompt, n) for _ in range(streams)]
        seconds = time.perf_counter() - start
    tokens, ttft, tps = runs[0]
    print(json.dumps({"ttft_ms": round(ttft, 2), "decode_tokens_per_s": round(tps, 2),
                      "total_tokens_per_s": round(streams * n / seconds, 2), "streams": streams,
                      "tokens": tokens}))


if __name__ == "__main__":
    main()
