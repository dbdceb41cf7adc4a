"""CLIP's byte-level BPE tokenizer (openai/CLIP simple_tokenizer + clip.tokenize), written from the spec (§5).

Cleaning is html.unescape twice, whitespace collapsed, lower-case. ftfy is not available here, so text that ftfy
would repair (mojibake) may tokenize differently; plain prompts are unaffected. The engine's tokenizer
(ui/worker/clip/tokenizer.ts) is the reference for the plugin; this one serves the offline tools.
"""
from __future__ import annotations

import gzip
import html
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import torch

MERGE_COUNT = 49152 - 256 - 2  # merges kept after the header line: 48,894
SOT, EOT = "<|startoftext|>", "<|endoftext|>"
CONTEXT_LENGTH = 77
CONTRACTIONS = ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d")  # tried in this order, as upstream's regex does


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte → printable character table (printable bytes map to themselves).

    Insertion order matters: the vocabulary lists the printable bytes first, then the remapped ones.
    """
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table, extra = {b: chr(b) for b in keep}, 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def _is_letter(c: str) -> bool:
    return unicodedata.category(c).startswith("L")


def _is_number(c: str) -> bool:
    return unicodedata.category(c).startswith("N")


def pre_tokenize(text: str) -> list[str]:
    """Upstream's pattern: specials | contractions | letter runs | one digit | runs of other non-space characters."""
    pieces, i = [], 0
    while i < len(text):
        c = text[i]
        special = next((s for s in (SOT, EOT) if text.startswith(s, i)), None)
        contraction = next((s for s in CONTRACTIONS if text.startswith(s, i)), None)
        if special or contraction:
            token = special or contraction
        elif _is_letter(c):
            end = i + 1
            while end < len(text) and _is_letter(text[end]):
                end += 1
            token = text[i:end]
        elif _is_number(c):
            token = c
        elif c.isspace():
            i += 1
            continue
        else:
            end = i + 1
            while end < len(text) and not (text[end].isspace() or _is_letter(text[end]) or _is_number(text[end])):
                end += 1
            token = text[i:end]
        pieces.append(token)
        i += len(token)
    return pieces


def clean(text: str) -> str:
    text = html.unescape(html.unescape(text)).strip()
    return re.sub(r"\s+", " ", text).strip().lower()


class ClipTokenizer:
    def __init__(self, vocab_gz: Path | str):
        lines = gzip.open(vocab_gz, "rt", encoding="utf-8").read().split("\n")
        merges = [tuple(line.split()) for line in lines[1:MERGE_COUNT + 1]]
        symbols = list(bytes_to_unicode().values())
        vocab = symbols + [s + "</w>" for s in symbols] + ["".join(m) for m in merges] + [SOT, EOT]
        self.encoder = {token: i for i, token in enumerate(vocab)}
        self.ranks = {merge: i for i, merge in enumerate(merges)}
        self.byte_chars = bytes_to_unicode()
        self.bpe = lru_cache(maxsize=4096)(self._bpe)

    def _bpe(self, word: str) -> tuple[str, ...]:
        parts = list(word[:-1]) + [word[-1] + "</w>"]
        while len(parts) > 1:
            pairs = set(zip(parts, parts[1:]))
            best = min(pairs, key=lambda pair: self.ranks.get(pair, float("inf")))
            if best not in self.ranks:
                break
            merged, i = [], 0
            while i < len(parts):  # merge every occurrence, left to right
                if i + 1 < len(parts) and (parts[i], parts[i + 1]) == best:
                    merged.append(parts[i] + parts[i + 1])
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        return tuple(parts)

    def encode(self, text: str) -> list[int]:
        ids = []
        for piece in pre_tokenize(clean(text)):
            if piece in (SOT, EOT):  # upstream's BPE cache maps the specials to themselves
                ids.append(self.encoder[piece])
                continue
            word = "".join(self.byte_chars[b] for b in piece.encode("utf-8"))
            ids += [self.encoder[part] for part in self.bpe(word)]
        return ids

    def tokenize(self, text: str, *, context_length: int = CONTEXT_LENGTH) -> torch.Tensor:
        """[1, context_length] int64: SOT, the text's ids, EOT, zeros. Too long a prompt raises ValueError."""
        ids = [self.encoder[SOT], *self.encode(text), self.encoder[EOT]]
        if len(ids) > context_length:
            raise ValueError(f"the prompt {text[:40]!r}… is {len(ids)} tokens; CLIP reads at most {context_length}. "
                             f"Use a shorter prompt.")
        tokens = torch.zeros(1, context_length, dtype=torch.long)
        tokens[0, :len(ids)] = torch.tensor(ids)
        return tokens
