#!/usr/bin/env python3
"""Writes corpus.txt, the tokenizer exactness corpus (deterministic; run from anywhere).

Mixes this repository's own sources and docs (English prose, C++, Python, shell) with
generated sections that stress the tokenizer: CJK, Arabic, other scripts, emoji and ZWJ
sequences, runs of spaces/tabs/newlines, numbers, contractions in mixed case, every
Qwen special token, text that is not NFC, and a few lines of invalid UTF-8.

corpus.txt is a committed snapshot: the repository files it draws on change, so after
regenerating it, regenerate qwen3_golden.jsonl with make_golden.js as well.
"""
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
rng = random.Random(20261129)

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>",
            "<|object_ref_end|>", "<|box_start|>", "<|box_end|>", "<|quad_start|>",
            "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
            "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>", "<|fim_prefix|>",
            "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>",
            "<tool_response>", "</tool_response>", "<think>", "</think>"]

PROSE = [
    "The quick brown fox jumps over the lazy dog. DON'T panic; it'S only a test, and we'LL see.",
    "I'm sure they're right, but you've said he'd come, and she'll be late. WE'RE HERE! You'Ve won.",
    "Tokenizers split text into pieces; each piece is then merged byte pair by byte pair.",
    "\"Quoted text,\" she said — with an em dash… and ellipsis; ‘curly’ quotes, «guillemets».",
    "Prices: $12.99, €1.234,56, £7, ¥1000; 50% off; 3×4=12; ½ + ¼ = ¾; x² + y³ = z⁴.",
    "E-mail me at someone@example.com or visit https://example.org/path?q=1&r=two#frag.",
    "Straße, façade, naïve, coöperate, Ångström, résumé, piñata, smörgåsbord, Œuvre, ĳ.",
    "ΕΛΛΗΝΙΚΆ και ελληνικά· Русский текст, Українська мова, Српски језик, Ქართული.",
    "ſtraight long s: it'ſ odd; Kelvin sign: 5 K; dotless ı and İstanbul; ǅ titlecase.",
]

CJK = [
    "日本語のテキストは、ひらがな・カタカナ・漢字が混在しています。東京は晴れです。",
    "中文文本测试：我们今天去公园散步，天气非常好！价格是１２３元，电话１３８００１３８０００。",
    "繁體中文：臺灣的夜市很熱鬧，小吃種類繁多。「引號」和『雙引號』。",
    "한국어 문장입니다. 서울은 대한민국의 수도입니다. 가나다라마바사 아자차카타파하.",
    "ｆｕｌｌｗｉｄｔｈ　ＡＳＣＩＩ　１２３　（括弧）　【見出し】　〜波ダッシュ〜",
]

ARABIC = [
    "مرحبا بالعالم! هذه جملة عربية للاختبار، وفيها أرقام ١٢٣٤٥ وعلامات ترقيم؟",
    "اللغة العربية تُكتب من اليمين إلى اليسار، مع تشكيل: كَتَبَ الطَّالِبُ الدَّرْسَ.",
    "עברית: שלום עולם, זהו משפט לבדיקה. فارسی: سلام دنیا، این یک آزمایش است.",
    "हिन्दी पाठ: नमस्ते दुनिया। ไทย: สวัสดีชาวโลก ภาษาไทยไม่มีช่องว่างระหว่างคำ",
]

EMOJI = ["😀", "😂", "🥲", "👍", "👍🏽", "👍🏿", "❤️", "🔥", "🚀", "🎉", "🇺🇸", "🇯🇵", "🇩🇪",
         "🏳️‍🌈", "🏴‍☠️", "👩‍💻", "👨‍👩‍👧‍👦", "👩‍👩‍👧‍👦", "🧑🏽‍🚀", "👁️‍🗨️", "❤️‍🔥", "🫶🏻",
         "1️⃣", "#️⃣", "©️", "™️", "🤷‍♀️", "🙋🏾‍♂️", "🐈‍⬛", "🧔🏻‍♀️", "😶‍🌫️", "🏃🏻‍♀️‍➡️"]

SPACES = [" ", "  ", "   ", "    ", "\t", "\t\t", "\n", "\n\n", "\n\n\n", "\r\n", " \n",
          "\t\n", "\u00a0", "\u3000", "\u2003", "\u2009", "\u202f", "\u0085", "\u2028",
          "\u200b", "\u200d", "\ufeff", "\x0b", "\x0c", " \t \t"]

WORDS = ("the of and to in is you that it he was for on are as with his they at be this "
         "have from or one had by word but not what all were we when your can said there use "
         "an each which she do how their if will up other about out many then them these so "
         "some her would make like him into time has look two more write go see number no "
         "way could people my than first water been call who oil its now find long down day "
         "did get come made may part function return const auto struct class template").split()


def repo_files():
    keep = (".cc", ".h", ".md", ".py", ".sh", ".proto", ".cmake", ".txt", ".yaml")
    out = []
    for base, dirs, files in os.walk(ROOT):
        rel = os.path.relpath(base, ROOT)
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "build")) and
                         d not in ("node_modules", "testdata", "peers") and
                         not (rel == "libs" and d == "text"))
        for f in sorted(files):
            if f.endswith(keep) and f != "corpus.txt":
                out.append(os.path.join(base, f))
    return out


def mixed_case(word):
    return "".join(c.upper() if rng.random() < 0.5 else c for c in word)


def generated_line():
    kind = rng.randrange(10)
    parts = []
    if kind == 0:
        for _ in range(rng.randrange(3, 12)):
            w = rng.choice(WORDS)
            parts.append(mixed_case(w) + rng.choice(["'s", "'t", "'re", "'ve", "'m", "'ll", "'d",
                                                     "'S", "'T", "'RE", "'Ve", "'M", "'Ll", "'D",
                                                     "", "", "", "'", "’s"]))
        return " ".join(parts)
    if kind == 1:
        return rng.choice(CJK) + rng.choice(["", " ", "\n", "。"]) + rng.choice(CJK)
    if kind == 2:
        return rng.choice(ARABIC)
    if kind == 3:
        return "".join(rng.choice(EMOJI) + rng.choice(["", "", " ", rng.choice(WORDS)])
                       for _ in range(rng.randrange(2, 10)))
    if kind == 4:
        return "".join(rng.choice(SPACES) + rng.choice(WORDS + ["x", "{", "}", "//", "#"])
                       for _ in range(rng.randrange(2, 12)))
    if kind == 5:
        nums = [str(rng.randrange(10 ** rng.randrange(1, 15))),
                f"{rng.uniform(-1e6, 1e6):.{rng.randrange(0, 8)}f}",
                f"{rng.randrange(1, 29):02d}/{rng.randrange(1, 13):02d}/{rng.randrange(1900, 2100)}",
                "٣٤٥", "１２３", "Ⅻ", "①②③", "²³", "0x" + "%x" % rng.randrange(1 << 48), "1e-9",
                "+1 (555) 010-" + str(rng.randrange(1000, 9999))]
        return " ".join(rng.choice(nums) for _ in range(rng.randrange(2, 8)))
    if kind == 6:
        toks = SPECIALS[:]
        rng.shuffle(toks)
        glue = ["", " ", "\n", "text", "<|", "|>", "<", "<|im_start", "im_end|>"]
        return "".join(t + rng.choice(glue) for t in toks[:rng.randrange(1, 6)])
    if kind == 7:
        base_chars = ["e\u0301", "a\u030a", "\u212b", "\u1100\u1161\u11a8", "o\u0308\u0304",
                      "q\u0307\u0323", "A\u0323\u0302", "\u0041\u0300", "\u00c5", "\ufb01",
                      "\u2126", "n\u0303", "\u0915\u093c"]
        return " ".join(rng.choice(WORDS) + rng.choice(base_chars) for _ in range(rng.randrange(2, 8)))
    if kind == 8:
        cps = []
        for _ in range(rng.randrange(5, 40)):
            lo, hi = rng.choice([(0x4E00, 0x9FFF), (0x3040, 0x30FF), (0xAC00, 0xD7A3),
                                 (0x0600, 0x06FF), (0x0400, 0x04FF), (0x0370, 0x03FF),
                                 (0x0900, 0x097F), (0x0E00, 0x0E7F), (0x1F300, 0x1FAFF),
                                 (0x2000, 0x2BFF), (0x20, 0x7E), (0xA0, 0x24F), (0x20000, 0x2A6DF)])
            cps.append(chr(rng.randrange(lo, hi + 1)))
            if rng.random() < 0.2:
                cps.append(" ")
        return "".join(cps)
    return rng.choice(PROSE)


def main():
    out = bytearray()
    for path in repo_files():
        with open(path, "rb") as f:
            data = f.read()
        out += data
        for _ in range(60):
            out += (generated_line() + rng.choice(["\n", "\n", "\n\n", "\r\n", " \n"])).encode()
    # Invalid UTF-8: stray continuation bytes, truncated sequences, overlongs, surrogates.
    bad = [b"\x80", b"\xff", b"\xc0\xaf", b"\xe4\xb8", b"\xf0\x9f\x98", b"\xed\xa0\x80",
           b"\xf4\x90\x80\x80", b"\xc3", b"\xfe\xfe"]
    for i in range(300):
        line = generated_line().encode()
        cut = rng.randrange(len(line) + 1)
        out += line[:cut] + rng.choice(bad) + line[cut:] + b"\n"
    dest = os.path.join(HERE, "corpus.txt")
    with open(dest, "wb") as f:
        f.write(bytes(out))
    print(f"wrote {dest}: {len(out)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
