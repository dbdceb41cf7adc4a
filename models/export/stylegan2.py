"""rosinality/stylegan2-pytorch's Generator, re-written for ONNX export.

Attribute names equal the upstream state-dict keys (``convs.3.conv.modulation.weight``), so a strict
``load_state_dict`` is the format check. Differences from upstream, all numerically equivalent:

* the modulated conv is the "non-fused" form (scale the input by s, convolve with the static weight,
  multiply the output by the demodulation coefficients), so every conv weight is a constant;
* blur and the skip upsample are depthwise Conv / ConvTranspose nodes instead of upfirdn2d's 6-D views;
* noise always comes from the stored buffers (upstream ``randomize_noise=False``);
* the synthesis is driven by the flat S vector; ``affine`` computes S from W+.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from . import winograd as wino

LEAKY_SLOPE = 0.2  # FusedLeakyReLU negative slope, upstream default
LEAKY_GAIN = math.sqrt(2)  # FusedLeakyReLU output scale, upstream default
LR_MLP = 0.01  # mapping-network lr_mul of every released config (not stored in checkpoints)
DEMOD_EPS = 1e-8  # upstream demodulation epsilon
RGB_CHANNELS = 3


@dataclass(frozen=True)
class GeneratorConfig:
    """The architecture numbers, read from checkpoint tensor shapes (upstream never stores them)."""

    size: int
    style_dim: int
    n_mlp: int
    channels: dict[int, int]  # resolution → channels of the convs at that resolution
    blur_kernel_size: int

    @property
    def log_size(self) -> int:
        return int(math.log2(self.size))

    @property
    def n_latent(self) -> int:
        return self.log_size * 2 - 2

    @property
    def num_noises(self) -> int:
        return (self.log_size - 2) * 2 + 1

    @classmethod
    def from_state_dict(cls, state: dict[str, torch.Tensor]) -> "GeneratorConfig":
        def dim_of(*candidates: tuple[str, int]) -> int:
            for key, dim in candidates:
                if key in state:
                    return int(state[key].shape[dim])
            names = ", ".join(key for key, _ in candidates)
            raise KeyError(f"cannot infer the architecture: none of {names} is present")

        def indices(prefix: str) -> list[int]:
            pattern = re.compile(rf"^{re.escape(prefix)}\.(\d+)\.")
            return sorted({int(m.group(1)) for k in state if (m := pattern.match(k))})

        styles = indices("style")
        style_dim = dim_of(*((f"style.{i}.weight", 1) for i in styles), ("conv1.conv.modulation.weight", 1))
        n_blocks = max([i + 1 for i in indices("to_rgbs")] + [i // 2 + 1 for i in indices("convs")] + [0])
        channels = {4: dim_of(("input.input", 1), ("conv1.activate.bias", 0), ("conv1.conv.modulation.bias", 0))}
        for block in range(n_blocks):
            up, same = 2 * block, 2 * block + 1
            channels[2 ** (block + 3)] = dim_of(
                (f"convs.{up}.activate.bias", 0), (f"convs.{same}.activate.bias", 0),
                (f"convs.{same}.conv.modulation.bias", 0), (f"to_rgbs.{block}.conv.modulation.bias", 0))
        kernels = [k for k in state if k.endswith(".blur.kernel") or k.endswith(".upsample.kernel")]
        blur_size = state[kernels[0]].shape[0] if kernels else 4
        return cls(size=2 ** (n_blocks + 2), style_dim=style_dim, n_mlp=max(styles + [0]),
                   channels=channels, blur_kernel_size=int(blur_size))


class PixelNorm(nn.Module):
    """x / sqrt(mean(x², dim=1) + 1e-8). Always dim 1, as upstream: the StyleCLIP mapper relies on it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(torch.mean(x * x, dim=1, keepdim=True) + 1e-8)


class EqualLinear(nn.Module):
    """Linear layer with the equalised learning rate: weight·lr_mul/√in, bias·lr_mul, bias on the last axis."""

    def __init__(self, in_dim: int, out_dim: int, *, lr_mul: float = 1.0, activation: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(out_dim, in_dim))
        self.bias = nn.Parameter(torch.zeros(out_dim))
        self.scale = lr_mul / math.sqrt(in_dim)
        self.lr_mul = lr_mul
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)
        if self.activation:
            out = F.leaky_relu(out, LEAKY_SLOPE) * LEAKY_GAIN
        return out


class FusedLeakyReLU(nn.Module):
    """Bias on the channel axis, leaky ReLU 0.2, times √2 (rosinality's op/fused_act.py)."""

    def __init__(self, channels: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x + self.bias.view(1, -1, 1, 1), LEAKY_SLOPE) * LEAKY_GAIN


class DerivedConstants(nn.Module):
    """A module holding tensors computed from its stored ones (non-persistent buffers, so strict loading is unchanged).

    torch's ONNX constant folding leaves ReduceSum and Expand over weights in the graph (which would also store
    the squared conv weights beside the weights); precomputing them keeps the exported graph to constants only.
    """

    def refresh(self) -> None:
        raise NotImplementedError

    def _load_from_state_dict(self, *args, **kwargs):
        super()._load_from_state_dict(*args, **kwargs)
        with torch.no_grad():
            self.refresh()


class Blur(DerivedConstants):
    """upfirdn2d(x, kernel, pad=(p, p)) as a depthwise Conv. The stored kernel already carries upstream's ×4."""

    def __init__(self, channels: int, kernel_size: int, pad: int):
        super().__init__()
        self.register_buffer("kernel", torch.zeros(kernel_size, kernel_size))
        self.register_buffer("depthwise", torch.zeros(channels, 1, kernel_size, kernel_size), persistent=False)
        self.channels = channels
        self.pad = pad

    def refresh(self) -> None:
        # upfirdn2d convolves (flipped kernel); conv2d correlates.
        self.depthwise.copy_(torch.flip(self.kernel, [0, 1]).expand_as(self.depthwise))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.depthwise, padding=self.pad, groups=self.channels)


class Upsample(DerivedConstants):
    """upfirdn2d(x, kernel, up=2, pad=(K//2, K//2 - 1)) for the 3-channel skip image.

    Zero-insertion followed by a convolution is a stride-2 ConvTranspose with the unflipped kernel and padding
    K−1−pad0. A block-diagonal [3,3,K,K] weight keeps it an ordinary (group 1) ConvTranspose, which every
    onnxruntime-web backend supports; the wasted multiplies are negligible on 3 channels.
    """

    def __init__(self, kernel_size: int):
        super().__init__()
        self.register_buffer("kernel", torch.zeros(kernel_size, kernel_size))
        self.register_buffer("diagonal", torch.zeros(RGB_CHANNELS, RGB_CHANNELS, kernel_size, kernel_size),
                             persistent=False)
        pad0, pad1 = kernel_size // 2, kernel_size // 2 - 1  # upstream: p = K − 2, pad0 = (p+1)//2 + 1, pad1 = p//2
        self.padding = kernel_size - 1 - pad0
        self.output_padding = pad1 - pad0 + 1

    def refresh(self) -> None:
        self.diagonal.copy_(torch.eye(RGB_CHANNELS).view(RGB_CHANNELS, RGB_CHANNELS, 1, 1) * self.kernel)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv_transpose2d(x, self.diagonal, stride=2, padding=self.padding, output_padding=self.output_padding)


class ModulatedConv2d(DerivedConstants):
    """Modulated (and optionally demodulated, upsampling) conv in the non-fused form.

    x·s per input channel, then conv with the constant scale·W, then ×d with d = rsqrt(s²·Qᵀ + 1e-8),
    Q[o,i] = Σ_k (scale·W[o,i,k])². Equal to upstream's per-sample weight modulation up to float rounding.
    With `winograd_tile` m > 0 (a stride-1 3×3 conv) the conv can run as Winograd F(m,3) over U = G·scale·W·Gᵀ
    (winograd.py); the exported graphs do (`forward(…, winograd=True)`), torch's own runs keep the direct conv.
    """

    def __init__(self, in_channel: int, out_channel: int, kernel_size: int, style_dim: int, *,
                 demodulate: bool = True, upsample: bool = False, blur_kernel_size: int = 4, winograd_tile: int = 0):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1, out_channel, in_channel, kernel_size, kernel_size))
        self.modulation = EqualLinear(style_dim, in_channel)
        if upsample:
            # upstream Blur after the transposed conv: p = K − 2 − (k − 1), pad = (p+1)//2 + 1 = p//2 + 1 for even K.
            self.blur = Blur(out_channel, blur_kernel_size, pad=(blur_kernel_size - 2 - (kernel_size - 1)) // 2 + 1)
        self.register_buffer("energy_t", torch.zeros(in_channel, out_channel), persistent=False)  # Qᵀ
        self.scale = 1 / math.sqrt(in_channel * kernel_size**2)
        self.padding = kernel_size // 2
        self.demodulate = demodulate
        self.upsample = upsample
        self.in_channel = in_channel
        if winograd_tile and (upsample or kernel_size != 3):
            raise ValueError("Winograd applies to stride-1 3×3 convs only")
        self.winograd_tile = winograd_tile
        if winograd_tile:  # U [(m+2)², O, I]; the exporter stores W instead (winograd.store_weights_not_transforms)
            self.register_buffer("winograd_u", torch.zeros((winograd_tile + 2) ** 2, out_channel, in_channel),
                                 persistent=False)

    def scaled_weight(self) -> torch.Tensor:
        """scale·W [O, I, k, k], the conv's weight."""
        return self.weight[0] * self.scale

    def refresh(self) -> None:
        weight = self.scaled_weight()
        self.energy_t.copy_((weight * weight).sum(dim=(2, 3)).t())
        if self.winograd_tile:
            self.winograd_u.copy_(wino.transformed_weight(weight, self.winograd_tile))

    def forward(self, x: torch.Tensor, s: torch.Tensor, *, winograd: bool = False) -> torch.Tensor:
        weight = self.scaled_weight()  # constant-folded by the export
        x = x * s[:, :, None, None]
        if self.upsample:
            out = self.blur(F.conv_transpose2d(x, weight.transpose(0, 1), stride=2, padding=0))
        elif winograd and self.winograd_tile:
            out = wino.conv3x3(x, self.winograd_u, self.winograd_tile)
        else:
            out = F.conv2d(x, weight, padding=self.padding)
        if self.demodulate:
            demod = torch.rsqrt((s * s) @ self.energy_t + DEMOD_EPS)
            out = out * demod[:, :, None, None]
        return out


class NoiseInjection(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        return x + self.weight * noise


class ConstantInput(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.input = nn.Parameter(torch.zeros(1, channels, 4, 4))

    def forward(self) -> torch.Tensor:
        return self.input  # [1, C, 4, 4]; the first modulation (x·s) broadcasts it to the batch


class StyledConv(nn.Module):
    """Modulated conv → fixed noise → bias + leaky ReLU."""

    def __init__(self, in_channel: int, out_channel: int, style_dim: int, *, upsample: bool, blur_kernel_size: int,
                 resolution: int):
        super().__init__()
        tile = 0 if upsample or in_channel != out_channel else wino.tile_for(out_channel, resolution)
        self.conv = ModulatedConv2d(in_channel, out_channel, 3, style_dim, upsample=upsample,
                                    blur_kernel_size=blur_kernel_size, winograd_tile=tile)
        self.noise = NoiseInjection()
        self.activate = FusedLeakyReLU(out_channel)

    def forward(self, x: torch.Tensor, s: torch.Tensor, noise: torch.Tensor, *, winograd: bool = False) -> torch.Tensor:
        return self.activate(self.noise(self.conv(x, s, winograd=winograd), noise))


class ToRGB(nn.Module):
    """1×1 modulated conv without demodulation, plus bias, plus the upsampled skip image."""

    def __init__(self, in_channel: int, style_dim: int, *, upsample: bool, blur_kernel_size: int):
        super().__init__()
        if upsample:
            self.upsample = Upsample(blur_kernel_size)
        self.conv = ModulatedConv2d(in_channel, RGB_CHANNELS, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, RGB_CHANNELS, 1, 1))

    def forward(self, x: torch.Tensor, s: torch.Tensor, skip: torch.Tensor | None) -> torch.Tensor:
        out = self.conv(x, s) + self.bias
        if skip is not None:
            out = out + self.upsample(skip)
        return out


@dataclass(frozen=True)
class StyleLayer:
    """One modulation in generator forward order: where its S slice lives and which W+ row feeds it."""

    name: str  # StyleCLIP global-code name
    module: str  # state-dict prefix of the ModulatedConv2d
    resolution: int
    w_index: int
    channels: int
    kind: str  # "conv" | "torgb"
    offset: int


class Generator(nn.Module):
    def __init__(self, config: GeneratorConfig):
        super().__init__()
        self.config = config
        ch, style_dim, k = config.channels, config.style_dim, config.blur_kernel_size
        self.style = nn.Sequential(PixelNorm(), *(
            EqualLinear(style_dim, style_dim, lr_mul=LR_MLP, activation=True) for _ in range(config.n_mlp)))
        self.input = ConstantInput(ch[4])
        self.conv1 = StyledConv(ch[4], ch[4], style_dim, upsample=False, blur_kernel_size=k, resolution=4)
        self.to_rgb1 = ToRGB(ch[4], style_dim, upsample=False, blur_kernel_size=k)
        self.convs = nn.ModuleList()
        self.to_rgbs = nn.ModuleList()
        for log_res in range(3, config.log_size + 1):
            in_ch, out_ch = ch[2 ** (log_res - 1)], ch[2**log_res]
            self.convs.append(StyledConv(in_ch, out_ch, style_dim, upsample=True, blur_kernel_size=k,
                                         resolution=2**log_res))
            self.convs.append(StyledConv(out_ch, out_ch, style_dim, upsample=False, blur_kernel_size=k,
                                         resolution=2**log_res))
            self.to_rgbs.append(ToRGB(out_ch, style_dim, upsample=True, blur_kernel_size=k))
        self.noises = nn.Module()
        for i in range(config.num_noises):
            res = 2 ** ((i + 1) // 2 + 2)
            self.noises.register_buffer(f"noise_{i}", torch.zeros(1, 1, res, res))
        self.style_layers = self._layout()
        self.total_s = sum(layer.channels for layer in self.style_layers)

    def _layout(self) -> list[StyleLayer]:
        # W+ rows: 4×4 conv row 0, its ToRGB row 1; at 2^r the up conv uses 2r−5, the conv 2r−4, the ToRGB 2r−3.
        entries = [("conv1_resolution_4", "conv1.conv", 4, 0, "conv"), ("toRGB_resolution_4", "to_rgb1.conv", 4, 1, "torgb")]
        for block in range(len(self.to_rgbs)):
            res = 2 ** (block + 3)
            entries += [(f"conv0_resolution_{res}", f"convs.{2 * block}.conv", res, 2 * block + 1, "conv"),
                        (f"conv1_resolution_{res}", f"convs.{2 * block + 1}.conv", res, 2 * block + 2, "conv"),
                        (f"toRGB_resolution_{res}", f"to_rgbs.{block}.conv", res, 2 * block + 3, "torgb")]
        layers, offset = [], 0
        for name, module, res, w_index, kind in entries:
            channels = self.get_submodule(module).in_channel
            layers.append(StyleLayer(name, module, res, w_index, channels, kind, offset))
            offset += channels
        return layers

    def mapping(self, z: torch.Tensor) -> torch.Tensor:
        return self.style(z)

    def affine(self, wplus: torch.Tensor) -> torch.Tensor:
        """W+ [B, n_latent, style_dim] → flat S [B, total_s]: every modulation output, bias included."""
        return torch.cat([self.get_submodule(layer.module).modulation(wplus[:, layer.w_index])
                          for layer in self.style_layers], dim=1)

    def synthesis(self, s: torch.Tensor, *, stop_resolution: int | None = None) -> torch.Tensor:
        """Flat S [B, total_s] → skip image [B, 3, R, R] at stop_resolution (default: full size)."""
        skip, _ = self.synthesis_stage(s, stop=stop_resolution)
        return skip

    def synthesis_stage(self, s: torch.Tensor, features: torch.Tensor | None = None, skip: torch.Tensor | None = None,
                        *, start: int | None = None, stop: int | None = None,
                        winograd: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """The blocks after resolution `start` up to `stop` (None: from the constant input / to full size).

        Continues from the features x and skip image that the stage ending at `start` returned; returns the skip image
        and x at `stop`. Running the stages one after another computes exactly what one synthesis call computes.
        winograd: the same-resolution convs chosen by winograd.tile_for run as Winograd (the exported form).
        """
        resolutions = [4] + [2 ** (block + 3) for block in range(len(self.to_rgbs))]
        stop = self.config.size if stop is None else stop
        if stop not in resolutions or (start is not None and (start not in resolutions or start >= stop)):
            raise ValueError(f"stage {start}→{stop}: not generator resolutions in increasing order")
        styles = [s[:, layer.offset:layer.offset + layer.channels] for layer in self.style_layers]
        noises = [getattr(self.noises, f"noise_{i}") for i in range(self.config.num_noises)]
        if start is None:
            features = self.conv1(self.input(), styles[0], noises[0], winograd=winograd)
            skip = self.to_rgb1(features, styles[1], None)
            start = 4
        for block in range(len(self.to_rgbs)):
            if not start < 2 ** (block + 3) <= stop:
                continue
            up, same, rgb = self.convs[2 * block], self.convs[2 * block + 1], self.to_rgbs[block]
            features = up(features, styles[2 + 3 * block], noises[1 + 2 * block])
            features = same(features, styles[3 + 3 * block], noises[2 + 2 * block], winograd=winograd)
            skip = rgb(features, styles[4 + 3 * block], skip)
        return skip, features
