"""The offline tools' CLIP tokenizer against openai/CLIP's own ids (../shared/golden/clip-tokenizer.json)."""
from __future__ import annotations

import json

import pytest

from golden_support import GOLDEN, golden_path
from models.styleclip.tokenizer import ClipTokenizer

CASES = json.loads(golden_path("clip-tokenizer.json").read_text(encoding="utf-8"))["cases"]
# ftfy is not installed here: cases ftfy would repair are left to the engine's tokenizer.
PLAIN = [c for c in CASES if not c["needs_ftfy"]]


@pytest.fixture(scope="module")
def tokenizer():
    return ClipTokenizer(GOLDEN.parent / "clip" / "bpe_simple_vocab_16e6.txt.gz")


@pytest.mark.parametrize("case", PLAIN, ids=[f"{c['category']}-{i}" for i, c in enumerate(PLAIN)])
def test_ids_equal_openai_clip(tokenizer, case):
    assert tokenizer.encode(case["text"]) == case["encode"]
    if case["tokenize"] is not None:
        assert tokenizer.tokenize(case["text"])[0].tolist() == case["tokenize"]
    else:
        with pytest.raises(ValueError, match="CLIP reads at most 77"):
            tokenizer.tokenize(case["text"])
