"""The demo generator's numbers: attributes, style layers, which conv channel draws what, concept words.

Everything the demo pack does is decided here; face.py draws, measure.py reads the drawing back, networks.py
wires both into the pack's graph roles.
"""
from __future__ import annotations

# The drawn attributes, in W (and concept-space) order. p ∈ (−1, 1) per attribute; `bias` shifts where a random
# face sits (θ = 0): most faces have no glasses or beard, eyes mostly open, a slight smile.
ATTRIBUTES = ("smile", "eyes_open", "hair_light", "hair_red", "glasses", "beard", "age", "skin_dark")
ATTRIBUTE_BIAS = (0.5, 1.5, 0.0, -1.0, -2.0, -2.0, -1.5, 0.0)
TANH_SCALE = 2.0  # p = tanh((θ + bias)/2): ±5σ on a weight-1 channel (θ ± 3.5 at ψ 0.7) saturates to ±0.94
P = len(ATTRIBUTES)

RESOLUTION = 256
PREVIEWS = (64, 128)
CLIP_IMAGE_SIZE = 64  # renders at 64/128/256 reach it by an exact area average (tools/clip-preprocess.ts)
CHANNELS_PER_CONV = 4
CHANNELS_PER_TORGB = 3


def style_layers() -> list[dict]:
    """StyleGAN2's layer order up to RESOLUTION (spec/styleclip.md §0.2): conv1_4, toRGB_4, then per block conv0,
    conv1, toRGB; W+ row rule conv0 = 2r−5, conv1 = 2r−4, toRGB = 2r−3."""
    layers, offset = [], 0

    def add(name, resolution, w_index, kind):
        nonlocal offset
        channels = CHANNELS_PER_CONV if kind == "conv" else CHANNELS_PER_TORGB
        layers.append({"name": name, "resolution": resolution, "wIndex": w_index, "channels": channels,
                       "kind": kind, "offset": offset})
        offset += channels

    add("conv1_resolution_4", 4, 0, "conv")
    add("toRGB_resolution_4", 4, 1, "torgb")
    r, res = 3, 8
    while res <= RESOLUTION:
        add(f"conv0_resolution_{res}", res, 2 * r - 5, "conv")
        add(f"conv1_resolution_{res}", res, 2 * r - 4, "conv")
        add(f"toRGB_resolution_{res}", res, 2 * r - 3, "torgb")
        r, res = r + 1, res * 2
    return layers


NUM_WS = 2 * (RESOLUTION.bit_length() - 1) - 2  # 14 for 256, as StyleGAN2

# What each conv channel draws, layer by layer (4 channels each): {attribute: weight} on θ. As in a real
# StyleGAN, structure sits in coarse layers and colour in fine ones, a few channels mix two attributes (the
# smile that narrows the eyes), and weights fall off so a larger β keeps fewer channels. The mixes other than the
# smile's are small enough that no preset chip (PRESETS) moves another attribute by 0.12 or more.
CONV_CHANNELS = (
    ({"smile": 1.0}, {"eyes_open": 1.0}, {"glasses": 1.0}, {"age": 0.6}),                          # conv1_4
    ({"beard": 1.0}, {"smile": 0.7}, {"glasses": 0.6, "eyes_open": -0.15}, {"skin_dark": 0.3}),    # conv0_8
    ({"age": 1.0}, {"smile": 0.45, "eyes_open": -0.3}, {"beard": 0.6}, {"eyes_open": 0.6}),        # conv1_8
    ({"glasses": 0.35}, {"smile": 0.3, "age": 0.3}, {"beard": 0.35}, {"eyes_open": 0.35}),          # conv0_16
    ({"age": 0.45, "hair_light": 0.15}, {"smile": 0.2}, {"beard": 0.2}, {"hair_red": 0.3}),        # conv1_16
    ({"age": 0.3}, {"eyes_open": 0.2}, {"glasses": 0.2}, {"skin_dark": 0.6}),                      # conv0_32
    ({"hair_light": 0.5}, {"age": 0.2}, {"smile": 0.12}, {"beard": 0.12}),                         # conv1_32
    ({"hair_light": 1.0}, {"hair_red": 1.0}, {"skin_dark": 1.0}, {"age": 0.15}),                   # conv0_64
    ({"hair_red": 0.6}, {"hair_light": 0.6, "hair_red": 0.15}, {"skin_dark": 0.45}, {"glasses": 0.12}),  # conv1_64
    ({"hair_light": 0.35}, {"skin_dark": 0.25}, {"hair_red": 0.3}, {"eyes_open": 0.1}),            # conv0_128
    ({"hair_red": 0.2, "skin_dark": 0.1}, {"age": 0.1}, {"hair_light": 0.2}, {"skin_dark": 0.15}),  # conv1_128
    ({"hair_light": 0.12}, {"hair_red": 0.12}, {"skin_dark": 0.08}, {"smile": 0.06}),              # conv0_256
    ({"age": 0.06}, {"beard": 0.06}, {"eyes_open": 0.06}, {"glasses": 0.06}),                      # conv1_256
)

SEED = 6  # issue #6: the affine's small random mixing, S centres/scales, the mapping's rotation
AFFINE_NOISE = 0.15  # each channel reads its attributes' w plus this much of random others
TEMPLATES_NOTE = "upstream's 79 templates (models/export/templates.py)"

# Concept space of the CLIP-contract encoders: axis 0 is "a face" (every text and image has it), axis 1 + k is
# ATTRIBUTES[k]. Image features are [BASE, p_0 … p_7]; text features are [BASE, Σ word vectors].
# BASE is large against |p| ≤ 1 because CLIP features are compared after L2 normalisation: with a small BASE
# (it was 1.5), raising one attribute shrinks the normalised axis 0 and every other attribute's share, so each
# relevance row leaned on axis 0 and on the other attributes, Δt carried a −0.24 axis-0 part, and their product
# kept unrelated channels at β 0.15 ("glasses" also took the beard away, by 0.14). At 10 that leak is ~0.003.
EMBED_DIM = 1 + P
BASE = 10.0
# Words → attribute weights. Single CLIP BPE tokens only (build.py refuses others): a word split into pieces
# ("frowning" = fro·w·ning) would light up every word sharing a piece.
CONCEPT_WORDS = {
    **{w: {"smile": 0.8} for w in ("smile", "smiling", "smiles", "smiley", "happy", "laughing", "grin", "cheerful", "joyful")},
    **{w: {"smile": -0.8} for w in ("sad", "unhappy", "grumpy", "gloomy")},
    **{w: {"eyes_open": 0.8} for w in ("awake", "alert", "wide")},
    "open": {"eyes_open": 0.5}, "surprised": {"eyes_open": 0.6},
    **{w: {"eyes_open": -0.8} for w in ("closed", "shut", "sleeping", "asleep", "sleepy", "blink")},
    "tired": {"eyes_open": -0.5},
    **{w: {"hair_light": 0.8} for w in ("blonde", "blond", "golden")},
    "light": {"hair_light": 0.5}, "fair": {"hair_light": 0.4, "skin_dark": -0.3},
    "black": {"hair_light": -0.8}, "brunette": {"hair_light": -0.6},
    "dark": {"hair_light": -0.45, "skin_dark": 0.45},
    **{w: {"hair_red": 0.8} for w in ("red", "ginger", "redhead")},
    "auburn": {"hair_red": 0.6}, "copper": {"hair_red": 0.5},
    **{w: {"glasses": 0.8} for w in ("glasses", "specs")},
    "sunglasses": {"glasses": 0.7}, "nerd": {"glasses": 0.4},
    **{w: {"beard": 0.8} for w in ("beard", "bearded", "beards")},
    "moustache": {"beard": 0.4}, "mustache": {"beard": 0.4},
    "hairy": {"beard": 0.3}, "shaved": {"beard": -0.6},
    **{w: {"age": 0.8} for w in ("old", "older", "elderly", "aged", "wrinkles", "senior",
                                  "grandfather", "grandmother", "grandpa", "grandma")},
    "ancient": {"age": 0.7},
    **{w: {"age": -0.8} for w in ("young", "younger", "youthful", "child", "kid", "baby")},
    "teen": {"age": -0.6}, "teenager": {"age": -0.6}, "smooth": {"age": -0.3},
    **{w: {"skin_dark": 0.8} for w in ("tan", "darker")},
    "pale": {"skin_dark": -0.8},
}

# The demo pack's own preset chips (stored in pack.json `presets` by build-demo-pack.mjs, so the panel offers
# these instead of the built-in list, most of which — "curly hair", "male", "makeup" — this concept space
# cannot express). Each: (label, neutral, target, the attribute it moves, its sign). Left out because they are
# invisible on most demo faces: "young" (ages sit near −0.8: no wrinkles to remove) and "surprised" (eyes are
# mostly open already). test/demo/demo-chips.test.ts holds every entry to its attribute on the sample portraits.
PRESETS = (
    ("smiling", "face", "smiling face", "smile", 1),
    ("sad", "face", "sad face", "smile", -1),
    ("old", "face", "old face", "age", 1),
    ("blonde hair", "face with hair", "face with blonde hair", "hair_light", 1),
    ("black hair", "face with hair", "face with black hair", "hair_light", -1),
    ("red hair", "face with hair", "face with red hair", "hair_red", 1),
    ("beard", "face", "face with a beard", "beard", 1),
    ("glasses", "face", "face with glasses", "glasses", 1),
    ("closed eyes", "face with eyes", "face with closed eyes", "eyes_open", -1),
)

# pack.json `knownWords`: every concept word, these first (the panel names the first few when a prompt has a
# word the demo's text encoder ignores).
HEADLINE_WORDS = ("smiling", "sad", "old", "young", "blonde", "black", "red", "beard", "glasses", "closed", "open", "tan")

# The playground's sample portraits (playground/samples/demo-portrait-<n>.png): mapping seeds whose faces sit
# where every preset above is visible and stays within the chip test's bounds (test/demo/demo-chips.test.ts).
PORTRAIT_SEEDS = (19, 24, 26, 34)

# Glasses and beard are drawn with opacity q² (q = (p + 1)/2): below p = −0.9 (q² < 0.0025, under half an 8-bit
# level) they cannot be seen, so the encoder reads any lower value as −0.9. Read as the −1 that 8-bit rounding
# gives, θ would be unbounded and no α·Δs could bring a beard or glasses into view.
INVISIBLE_FLOOR = {"glasses": -0.9, "beard": -0.9}
