"""openai/CLIP's byte-level BPE tokenizer (clip/simple_tokenizer.py), for `verify --against` (compare.py) only.

The engine tokenizes in TypeScript; this copy lets the Python side turn the fixed comparison prompts into the 77 ids
clipText takes. Without ftfy: its fix_text only matters for mis-encoded text, never for the plain-ASCII prompts
compare.py uses (the golden clip-tokenizer.json cases that need no ftfy are the test).
"""
from __future__ import annotations

import gzip
import html
import re
from functools import lru_cache
from pathlib import Path

CONTEXT_LENGTH = 77  # upstream clip.tokenize
MERGES = 49152 - 256 - 2  # upstream: merges[1:49152-256-2+1]
PATTERN = re.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|[^\s\w]+|_+""",
                     re.IGNORECASE)  # upstream's \p{L}+ / \p{N} / [^\s\p{L}\p{N}]+ with the re module's classes


@lru_cache()
def _bytes_to_unicode() -> dict[int, str]:
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


class ClipTokenizer:
    def __init__(self, vocab_path: Path):
        merges = gzip.open(vocab_path).read().decode("utf-8").split("\n")[1:MERGES + 1]
        merges = [tuple(merge.split()) for merge in merges]
        vocab = list(_bytes_to_unicode().values())
        vocab += [v + "</w>" for v in vocab] + ["".join(merge) for merge in merges] + ["<|startoftext|>", "<|endoftext|>"]
        self.encoder = {token: index for index, token in enumerate(vocab)}
        self.ranks = {merge: index for index, merge in enumerate(merges)}
        self.byte_encoder = _bytes_to_unicode()
        self.sot, self.eot = self.encoder["<|startoftext|>"], self.encoder["<|endoftext|>"]
        self.cache: dict[str, str] = {}

    def _bpe(self, token: str) -> str:
        if token in self.cache:
            return self.cache[token]
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        while len(word) > 1:
            pairs = {(word[i], word[i + 1]) for i in range(len(word) - 1)}
            best = min(pairs, key=lambda pair: self.ranks.get(pair, float("inf")))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and (word[i], word[i + 1]) == best:
                    merged.append(word[i] + word[i + 1])
                    i += 2
                else:
                    merged.append(word[i])
                    i += 1
            word = tuple(merged)
        self.cache[token] = " ".join(word)
        return self.cache[token]

    def encode(self, text: str) -> list[int]:
        text = re.sub(r"\s+", " ", html.unescape(html.unescape(text)).strip()).strip().lower()
        ids = []
        for token in PATTERN.findall(text):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            ids += [self.encoder[part] for part in self._bpe(token).split(" ")]
        return ids

    def tokenize(self, text: str) -> list[int]:
        ids = [self.sot] + self.encode(text) + [self.eot]
        if len(ids) > CONTEXT_LENGTH:
            raise ValueError(f"{text!r} is {len(ids)} tokens long; CLIP takes {CONTEXT_LENGTH}")
        return ids + [0] * (CONTEXT_LENGTH - len(ids))
