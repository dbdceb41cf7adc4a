"""CLIP's byte-level BPE (openai/CLIP simple_tokenizer.py), just enough to find the token id of a plain
lower-case word. The engine's tokenizer (ui/worker/clip/tokenizer.ts) is the real one; test/demo checks that
both give the same ids for every concept word."""
from __future__ import annotations

import gzip
from pathlib import Path

MERGE_COUNT = 49152 - 256 - 2  # upstream: merges[1:49152-256-2+1]


def bytes_to_unicode() -> dict[int, str]:
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    codes = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, codes)))


class WordTokens:
    def __init__(self, vocab_gz: Path):
        lines = gzip.open(vocab_gz, "rt", encoding="utf-8").read().split("\n")
        merges = [tuple(line.split()) for line in lines[1:MERGE_COUNT + 1]]
        symbols = list(bytes_to_unicode().values())
        vocab = symbols + [s + "</w>" for s in symbols] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
        self.encoder = {token: i for i, token in enumerate(vocab)}
        self.ranks = {merge: i for i, merge in enumerate(merges)}

    def ids(self, word: str) -> list[int]:
        """The token ids of one lower-case ASCII word."""
        if not word.isascii() or not word.isalpha() or word != word.lower():
            raise ValueError(f"{word!r}: only lower-case ASCII letters")
        parts = list(word[:-1]) + [word[-1] + "</w>"]
        while len(parts) > 1:
            pairs = [(self.ranks.get((a, b), float("inf")), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            rank, i = min(pairs)
            if rank == float("inf"):
                break
            parts = parts[:i] + [parts[i] + parts[i + 1]] + parts[i + 2:]
        return [self.encoder[p] for p in parts]
