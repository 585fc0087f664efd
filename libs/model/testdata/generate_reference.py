#!/usr/bin/python3
"""Greedy generation in plain PyTorch (Debian's python3-torch) with the independent Qwen3
forward of qwen3_reference.py, re-run over the whole sequence at every step, to check
tracemill's KV-cache Generator token for token.

  generate_reference.py MODEL_DIR CASES.safetensors

CASES holds, per case k, `prompt_k` [T] (I64) and `tokens_k` [N] (I64, tracemill's greedy
tokens). Exits 1 if any case differs.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qwen3_reference import forward, read_safetensors  # noqa: E402


def main():
    model_dir, cases_path = sys.argv[1], sys.argv[2]
    cfg = json.load(open(f"{model_dir}/config.json"))
    w = {k: v.float() for k, v in read_safetensors(f"{model_dir}/model.safetensors").items()}
    cases = read_safetensors(cases_path)
    ok = True
    for k in sorted({n.split("_", 1)[1] for n in cases}):
        seq = cases[f"prompt_{k}"].tolist()
        theirs = cases[f"tokens_{k}"].tolist()
        ours = []
        non_finite = 0  # steps whose logits are not all finite: argmax there means nothing
        with torch.no_grad():
            for _ in range(len(theirs)):
                ids = torch.tensor([seq])
                logits = forward(cfg, w, ids, torch.ones_like(ids))[0, -1]
                non_finite += not bool(torch.isfinite(logits).all())
                nxt = int(logits.argmax())
                ours.append(nxt)
                seq.append(nxt)
        same = ours == theirs
        ok = ok and same and non_finite == 0
        print(f"case {k}: prompt {len(seq) - len(ours)} tokens, {len(ours)} generated, "
              f"{'same' if same else 'DIFFERENT'}" + ("" if same else f"\n  python    {ours}\n  tracemill {theirs}"))
        if non_finite:
            print(f"  python: non-finite logits at {non_finite} of {len(ours)} steps")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
