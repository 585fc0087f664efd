#!/usr/bin/env python3
"""Renders every fixture of FAMILY_rendered.json with Python's jinja2 the way transformers'
apply_chat_template does (sandboxed, trim_blocks, lstrip_blocks, tojson without ASCII
escaping, raise_exception), and records where Python differs from @huggingface/jinja:
"python" (its text) or "python_error" on that render. tracemill follows Python
(transformers and vLLM render with it); chat_template_test.cc checks both.

  python3 libs/text/testdata/jinja_python_check.py qwen3 llama3_1 deepseek_v3

Needs jinja2 (not in Debian's python here; any Python with jinja2 >= 3.1 will do).
"""
import json
import os
import sys

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))


def environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


def main():
    fixtures = {f["name"]: f["context"]
                for f in json.load(open(os.path.join(HERE, "chat_fixtures.json")))}
    for family in sys.argv[1:]:
        path = os.path.join(HERE, f"{family}_rendered.json")
        golden = json.load(open(path))
        template = environment().from_string(golden["template"])
        differ = 0
        for render in golden["renders"]:
            render.pop("python", None)
            render.pop("python_error", None)
            context = {**golden["special_tokens"], **fixtures[render["name"]]}
            try:
                text = template.render(**context)
                if render.get("text") != text:
                    render["python"] = text
                    differ += 1
            except Exception as e:  # noqa: BLE001 - any template failure is a result
                if "error" not in render:
                    render["python_error"] = f"{type(e).__name__}: {e}"
                    differ += 1
        with open(path, "w") as f:
            f.write(json.dumps(golden, indent=1, ensure_ascii=False) + "\n")
        print(f"{family}: {differ} of {len(golden['renders'])} differ from Python")


if __name__ == "__main__":
    main()
