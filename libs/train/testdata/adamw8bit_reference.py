#!/usr/bin/python3
"""An independent 8-bit AdamW in plain PyTorch (Debian's python3-torch), written from the
description of bitsandbytes' AdamW8bit (block-wise dynamic quantization), to check
tracemill's libtorch port.

  adamw8bit_reference.py CASES.safetensors

CASES holds the hyper-parameters in `hp` (F64: lr, beta1, beta2, eps, weight_decay,
min_8bit_size, steps, tensors), per tensor i its start `p0_i` and per step s its
gradient `g_s_i` (F32), and tracemill's results `p_i` (F32) and, for 8-bit tensors,
`m_codes_i`, `v_codes_i` (U8) and `m_absmax_i`, `v_absmax_i` (F32). Prints the largest
differences and exits 1 if parameters differ by more than 1e-6 or any code differs.
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../model/testdata"))
from qwen3_reference import DTYPES, read_safetensors  # noqa: E402

DTYPES["F64"] = torch.float64
DTYPES["U8"] = torch.uint8
BLOCK = 256


def dynamic_map(signed):
    values = []
    for k in range(7):
        n = (2 ** k if signed else 2 ** (k + 1)) + 1
        bounds = torch.linspace(0.1, 1, n)
        means = (bounds[:-1] + bounds[1:]) / 2.0
        values += (10 ** (k - 6) * means).tolist()
        if signed:
            values += (-(10 ** (k - 6)) * means).tolist()
    values += [0.0, 1.0]
    assert len(values) == 256
    return torch.tensor(sorted(values), dtype=torch.float32)


MAP_M, MAP_V = dynamic_map(True), dynamic_map(False)


def nearest_code(x, table):
    mids = (table[:-1] + table[1:]) / 2.0
    return (x.unsqueeze(-1) > mids).sum(-1)


class State:
    def __init__(self, n, quantized):
        self.quantized = quantized
        blocks = -(-n // BLOCK)
        if quantized:
            self.mc = torch.zeros(blocks * BLOCK, dtype=torch.long)
            self.vc = torch.zeros(blocks * BLOCK, dtype=torch.long)
            self.ma = torch.zeros(blocks)
            self.va = torch.zeros(blocks)
        else:
            self.m = torch.zeros(n)
            self.v = torch.zeros(n)
        self.step = 0


def step(p, g, st, hp):
    lr, b1, b2, eps, wd = hp["lr"], hp["beta1"], hp["beta2"], hp["eps"], hp["weight_decay"]
    n = p.numel()
    st.step += 1
    if st.quantized:
        pad = st.mc.numel() - n
        p = torch.cat([p, torch.zeros(pad)])
        g = torch.cat([g, torch.zeros(pad)])
        m = MAP_M[st.mc] * st.ma.repeat_interleave(BLOCK)
        v = MAP_V[st.vc] * st.va.repeat_interleave(BLOCK)
    else:
        m, v = st.m, st.v
    ok = torch.isfinite(g)
    g0 = torch.where(ok, g, torch.zeros(()))
    m = torch.where(ok, m * b1 + g0 * (1.0 - b1), torch.zeros(()))
    v = torch.where(ok, v * b2 + g0 * g0 * (1.0 - b2), torch.zeros(()))
    c1 = 1.0 - b1 ** st.step
    c2 = (1.0 - b2 ** st.step) ** 0.5
    new = p + (m / (v.sqrt() + c2 * eps)) * (-lr * c2 / c1)
    if wd > 0:
        new = new * (1.0 - lr * wd)
    p = torch.where(ok, new, p)
    if st.quantized:
        for blk in range(st.ma.numel()):
            sl = slice(blk * BLOCK, (blk + 1) * BLOCK)
            for codes, absmax, state, table, signed in ((st.mc, st.ma, m, MAP_M, True),
                                                        (st.vc, st.va, v, MAP_V, False)):
                amax = state[sl].abs().max()
                absmax[blk] = amax
                x = state[sl] / amax if amax > 0 else torch.zeros(BLOCK)
                c = nearest_code(x, table)
                if signed:
                    flipped = torch.signbit(table[c]) != torch.signbit(x)
                    c = torch.where(flipped, c + torch.where(x > 0, 1, -1), c)
                codes[sl] = c
    else:
        st.m, st.v = m, v
    return p[:n]


def main():
    t = read_safetensors(sys.argv[1])
    names = ["lr", "beta1", "beta2", "eps", "weight_decay", "min_8bit_size", "steps", "tensors"]
    hp = dict(zip(names, t["hp"].tolist()))
    worst_p, bad_codes = 0.0, 0
    for i in range(int(hp["tensors"])):
        p = t[f"p0_{i}"].flatten().float()
        st = State(p.numel(), p.numel() >= hp["min_8bit_size"])
        for s in range(int(hp["steps"])):
            p = step(p, t[f"g_{s}_{i}"].flatten().float(), st, hp)
        theirs = t[f"p_{i}"].flatten()
        diff = (p - theirs).abs().max().item()
        # Python's max() ignores NaN (max(0.0, nan) == 0.0): test it explicitly.
        if not math.isfinite(diff) or diff > worst_p:
            worst_p = diff
        line = f"tensor {i}: n={p.numel()} 8-bit={st.quantized} max |dp|={diff:.3g}"
        for who, x in (("python", p), ("tracemill", theirs)):
            bad = (~torch.isfinite(x)).sum().item()
            if bad:
                line += f" {who}: {bad} non-finite parameters"
        if st.quantized:
            mc = (st.mc != t[f"m_codes_{i}"].long()).sum().item()
            vc = (st.vc != t[f"v_codes_{i}"].long()).sum().item()
            da = max((st.ma - t[f"m_absmax_{i}"]).abs().max().item(),
                     (st.va - t[f"v_absmax_{i}"]).abs().max().item())
            bad_codes += mc + vc
            line += f" m codes differing={mc} v codes differing={vc} max |dabsmax|={da:.3g}"
        print(line)
    sys.exit(0 if math.isfinite(worst_p) and worst_p <= 1e-6 and bad_codes == 0 else 1)


if __name__ == "__main__":
    main()
