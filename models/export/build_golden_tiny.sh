#!/usr/bin/env bash
# Exports the tiny random-weight checkpoints of ../shared/golden into models/packs/golden-tiny/ and verifies
# every graph against torch. The CLIP weights are float16-exact, so --fp16 on the CLIP graphs is lossless.
set -euo pipefail
cd "$(dirname "$0")/../.."
G=../shared/golden
RANDOM_WEIGHTS="random test weights from ../shared/golden (no upstream weights, no restrictions)"
exec /usr/bin/python3 -m models.export \
  --stylegan "$G/stylegan2-tiny/stylegan2-tiny.pt" \
  --e4e "$G/e4e-tiny/e4e-tiny.pt" \
  --clip "$G/clip-tiny/clip-tiny.jit.pt" \
  --relevance "$G/global-direction/fs3.npy" \
  --s-mean "$G/global-direction/s_mean.npy" --s-std "$G/global-direction/s_std.npy" \
  --mapper "beard=$G/mapper-tiny/mapper-tiny.pt" \
  --id golden-tiny \
  --description "Tiny random-weight models of ../shared/golden, for tests: the images are noise" \
  --licence "generator=$RANDOM_WEIGHTS" --licence "encoder=$RANDOM_WEIGHTS" \
  --licence "clip=$RANDOM_WEIGHTS" --licence "mappers=$RANDOM_WEIGHTS" \
  --preview 16,32 \
  --fp16 clipText,clipImage \
  --clip-vocab ../shared/clip/bpe_simple_vocab_16e6.txt.gz \
  --out models/packs/golden-tiny \
  "$@"
