#!/usr/bin/env python3
"""Loads what `gpu_check --export DIR` wrote with Hugging Face transformers and PEFT (on
machines that have them, like the GPU image) and compares their logits with tracemill's:
the model directory must load as Qwen3ForCausalLM, the adapter with PeftModel, and the
logits at token positions must agree to 1e-4 (fp32, eager attention).

  peft_check.py DIR
"""
import sys

import torch
from peft import PeftModel
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM


def main():
    d = sys.argv[1]
    cases = load_file(f"{d}/cases.safetensors")
    base = AutoModelForCausalLM.from_pretrained(f"{d}/model", torch_dtype=torch.float32,
                                                attn_implementation="eager")
    model = PeftModel.from_pretrained(base, f"{d}/adapter").eval()
    with torch.no_grad():
        logits = model(input_ids=cases["ids"], attention_mask=cases["mask"]).logits
    keep = cases["mask"].bool()
    diff = (logits[keep] - cases["logits"][keep]).abs().max().item()
    adapted = (logits[keep] - base(input_ids=cases["ids"], attention_mask=cases["mask"]).logits[keep]).abs().max().item()
    print(f"peft check: transformers + PEFT vs tracemill max |dlogit| = {diff:.2e} "
          f"(the adapter moves logits by up to {adapted:.2e})")
    sys.exit(0 if diff <= 1e-4 and adapted > 1e-3 else 1)


if __name__ == "__main__":
    main()
