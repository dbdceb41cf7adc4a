"""OpenAI CLIP with a ViT image tower (openai/CLIP `clip/model.py`), float32 throughout.

Attribute names equal the upstream state-dict keys, so a strict
`load_state_dict` checks the checkpoint format. Every size is read from the
state dict, as upstream `build_model` does. The text tower accepts any token
length 1 ≤ L ≤ context_length: the positional embedding and a constant causal
mask are sliced to L, which keeps the ONNX graph valid for a dynamic L axis.
"""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Mapping, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .checkpoints import CheckpointError, load_strict
from .safe_load import UnsafeFileError, check_regular_file, safe_torch_load

# CLIP image normalisation (upstream clip._transform).
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
HEAD_WIDTH = 64  # build_model: heads = width // 64
QUICK_GELU_ALPHA = 1.702
# Non-parameter int64 scalars the released TorchScript archives carry (build_model deletes them).
JIT_EXTRA_KEYS = ("input_resolution", "context_length", "vocab_size")


class QuickGELU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(QUICK_GELU_ALPHA * x)


class MultiheadSelfAttention(nn.Module):
    """`nn.MultiheadAttention` self-attention on [N, L, W]: packed q/k/v projection, 64-wide heads."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.head_dim = width // heads
        self.in_proj_weight = nn.Parameter(torch.zeros(3 * width, width))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
        self.out_proj = nn.Linear(width, width)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        batch, length, width = x.shape
        q, k, v = F.linear(x, self.in_proj_weight, self.in_proj_bias).chunk(3, dim=-1)
        # [N, L, W] → [N, heads, L, head_dim]
        q, k, v = (t.reshape(batch, length, self.heads, self.head_dim).transpose(1, 2) for t in (q, k, v))
        scores = (q * (1.0 / math.sqrt(self.head_dim))) @ k.transpose(-2, -1)
        if mask is not None:
            scores = scores + mask
        attended = scores.softmax(dim=-1) @ v
        return self.out_proj(attended.transpose(1, 2).reshape(batch, length, width))


class ResidualAttentionBlock(nn.Module):
    """Pre-LN transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x))."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.attn = MultiheadSelfAttention(width, heads)
        self.ln_1 = nn.LayerNorm(width)
        self.mlp = nn.Sequential()
        self.mlp.add_module("c_fc", nn.Linear(width, 4 * width))
        self.mlp.add_module("gelu", QuickGELU())
        self.mlp.add_module("c_proj", nn.Linear(4 * width, width))
        self.ln_2 = nn.LayerNorm(width)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), mask)
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width: int, layers: int, heads: int):
        super().__init__()
        self.resblocks = nn.ModuleList(ResidualAttentionBlock(width, heads) for _ in range(layers))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        for block in self.resblocks:
            x = block(x, mask)
        return x


class VisionTransformer(nn.Module):
    """image [N, 3, S, S] → [N, embed_dim]: patchify, class token, ln_pre, transformer, ln_post, proj."""

    def __init__(self, resolution: int, patch_size: int, width: int, layers: int, embed_dim: int):
        super().__init__()
        tokens = (resolution // patch_size) ** 2 + 1
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch_size, stride=patch_size, bias=False)
        self.class_embedding = nn.Parameter(torch.zeros(width))
        self.positional_embedding = nn.Parameter(torch.zeros(tokens, width))
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, layers, width // HEAD_WIDTH)
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(torch.zeros(width, embed_dim))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        patches = self.conv1(image)  # [N, W, grid, grid]
        batch, width = patches.shape[0], patches.shape[1]
        patches = patches.reshape(batch, width, -1).transpose(1, 2)  # [N, grid², W]
        cls = self.class_embedding.reshape(1, 1, width).expand(batch, 1, width)
        x = torch.cat([cls, patches], dim=1) + self.positional_embedding
        x = self.transformer(self.ln_pre(x))
        return self.ln_post(x[:, 0, :]) @ self.proj


@dataclass(frozen=True)
class ClipConfig:
    """The sizes upstream `build_model` reads from a ViT CLIP state dict."""

    embed_dim: int
    image_resolution: int
    vision_layers: int
    vision_width: int
    vision_patch_size: int
    context_length: int
    vocab_size: int
    transformer_width: int
    transformer_layers: int

    @property
    def transformer_heads(self) -> int:
        return self.transformer_width // HEAD_WIDTH


class ClipModel(nn.Module):
    """CLIP: `encode_text`, `encode_image` (both un-normalised) and `forward` → logits."""

    def __init__(self, config: ClipConfig):
        super().__init__()
        self.config = config
        self.embed_dim = config.embed_dim
        self.image_resolution = config.image_resolution
        self.context_length = config.context_length
        self.vocab_size = config.vocab_size
        self.mean = CLIP_MEAN
        self.std = CLIP_STD

        self.visual = VisionTransformer(config.image_resolution, config.vision_patch_size, config.vision_width,
                                        config.vision_layers, config.embed_dim)
        width = config.transformer_width
        self.transformer = Transformer(width, config.transformer_layers, config.transformer_heads)
        self.token_embedding = nn.Embedding(config.vocab_size, width)
        self.positional_embedding = nn.Parameter(torch.zeros(config.context_length, width))
        self.ln_final = nn.LayerNorm(width)
        self.text_projection = nn.Parameter(torch.zeros(width, config.embed_dim))
        self.logit_scale = nn.Parameter(torch.zeros(()))
        # Additive causal mask (−inf above the diagonal), sliced to [L, L] per call.
        # Not persistent: it is not part of upstream checkpoints.
        causal = torch.full((config.context_length, config.context_length), float("-inf")).triu(1)
        self.register_buffer("causal_mask", causal, persistent=False)

    def encode_image(self, image: torch.Tensor) -> torch.Tensor:
        return self.visual(image)

    def encode_text(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens [N, L] (int64, 1 ≤ L ≤ context_length) → [N, embed_dim], read at the first largest id (EOT)."""
        length = tokens.shape[1]
        x = self.token_embedding(tokens) + self.positional_embedding[:length]
        x = self.ln_final(self.transformer(x, self.causal_mask[:length, :length]))  # [N, L, W]
        eot = tokens.argmax(dim=-1)  # [N]
        index = eot.reshape(-1, 1, 1).expand(-1, 1, x.shape[2])
        return x.gather(1, index)[:, 0, :] @ self.text_projection

    def forward(self, image: torch.Tensor, tokens: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """(logits_per_image [N_img, N_txt], logits_per_text [N_txt, N_img]), as upstream CLIP.forward."""
        image_features = F.normalize(self.encode_image(image), dim=-1)
        text_features = F.normalize(self.encode_text(tokens), dim=-1)
        logits_per_image = self.logit_scale.exp() * image_features @ text_features.t()
        return logits_per_image, logits_per_image.t()


# --------------------------------------------------------------------------- checkpoint


def load_clip_checkpoint(path) -> ClipModel:
    """Read a CLIP checkpoint: a released TorchScript archive (`ViT-B-32.pt`) or a plain state-dict file.

    float16 tensors are up-cast to float32; the archive's int64 scalars
    (input_resolution, context_length, vocab_size) are checked against the
    inferred sizes and dropped. Raises CheckpointError naming the file and every
    missing, unexpected or mis-shaped key.
    """
    path = Path(path)
    state, extras = _read_state_dict(path)
    model = ClipModel(clip_config_from_state_dict(state, path))
    _check_extras(extras, model.config, path)
    load_strict(model, state, path)
    return model.eval()


def _read_state_dict(path: Path) -> Tuple[Dict[str, torch.Tensor], Dict[str, int]]:
    try:
        check_regular_file(path)
    except UnsafeFileError as error:
        raise CheckpointError(str(error)) from None
    try:
        if _is_torchscript_archive(path):  # TorchScript code, not a Python pickle: torch.jit.load runs no Python
            raw = torch.jit.load(str(path), map_location="cpu").state_dict()
        else:
            raw = safe_torch_load(path)
    except Exception as error:  # torch raises many types for a file that is not a checkpoint
        raise CheckpointError(f"{path}: cannot be read as a CLIP checkpoint ({type(error).__name__}: {error}).") from error
    if not isinstance(raw, Mapping) or not all(isinstance(v, torch.Tensor) for v in raw.values()):
        raise CheckpointError(f"{path}: neither a TorchScript CLIP archive nor a flat CLIP state dict.")
    extras = {k: int(raw[k]) for k in JIT_EXTRA_KEYS if k in raw and raw[k].ndim == 0 and not raw[k].is_floating_point()}
    state = {k: (v.float() if v.is_floating_point() else v) for k, v in raw.items() if k not in extras}
    return state, extras


def _is_torchscript_archive(path: Path) -> bool:
    """torch.jit.save writes a zip with a `constants.pkl` and compiled code; torch.save does not."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(name.endswith("/constants.pkl") for name in archive.namelist())


def clip_config_from_state_dict(state: Mapping[str, torch.Tensor], source: Path) -> ClipConfig:
    """Infer every size from the shapes, as upstream `build_model` does (ViT models only)."""

    def shape_of(key: str) -> Tuple[int, ...]:
        if key not in state:
            raise CheckpointError(f"{source}: missing key {key} (needed to read the CLIP sizes).")
        return tuple(state[key].shape)

    if "visual.proj" not in state and any(k.startswith("visual.layer1.") for k in state):
        raise CheckpointError(f"{source}: a ResNet CLIP model; only ViT CLIP models (e.g. ViT-B/32) are supported.")
    vision_width, _, patch_size, _ = shape_of("visual.conv1.weight")
    grid = round((shape_of("visual.positional_embedding")[0] - 1) ** 0.5)
    return ClipConfig(
        embed_dim=shape_of("text_projection")[1],
        image_resolution=patch_size * grid,
        vision_layers=_count_blocks(state, "visual.transformer.resblocks."),
        vision_width=vision_width,
        vision_patch_size=patch_size,
        context_length=shape_of("positional_embedding")[0],
        vocab_size=shape_of("token_embedding.weight")[0],
        transformer_width=shape_of("ln_final.weight")[0],
        transformer_layers=_count_blocks(state, "transformer.resblocks."),
    )


def _count_blocks(state: Mapping[str, torch.Tensor], prefix: str) -> int:
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.")
    indices = {int(m.group(1)) for k in state if (m := pattern.match(k))}
    return max(indices) + 1 if indices else 0


def _check_extras(extras: Mapping[str, int], config: ClipConfig, source: Path) -> None:
    expected = {"input_resolution": config.image_resolution, "context_length": config.context_length,
                "vocab_size": config.vocab_size}
    wrong = [f"{k} = {v} (weights say {expected[k]})" for k, v in extras.items() if v != expected[k]]
    if wrong:
        raise CheckpointError(f"{source}: archive constants disagree with the weights: {', '.join(wrong)}.")
