"""Winograd F(m, 3) for the stride-1 3×3 convs of the synthesis (Lavin & Gray 2016), as plain ONNX ops.

onnxruntime-web's WASM Conv runs at 14–20 GFLOP/s against 70–83 for native BLAS here, but its MatMul is no faster;
what Winograd changes is the multiply count. Each m×m output tile is Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A over an (m+2)² input
tile d: per tile position the channel mixing becomes (m+2)² independent [O, I] × [I, tiles] MatMuls instead of one
with K = 9·I, so the MACs fall by 9m² / (m+2)²: 2.25× for F(2,3), 4× for F(4,3). Which layers gain (the transforms
are a cost ∝ channels while the saving ∝ channels²) is measured per layer shape: `tile_for`, bench/README.md
"Winograd convolutions".

The pack stores W, not U = G W Gᵀ (U is 16/9 or 4× W): `store_weights_not_transforms` rewrites the exported graph so
that U is computed from W by constant nodes, which onnxruntime folds once at session creation.
"""
from __future__ import annotations

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper

# Bᵀ, G, Aᵀ for F(2,3) (points 0, ±1) and F(4,3) (points 0, ±1, ±2), as in Lavin & Gray's paper.
_MATRICES: dict[int, tuple[list[list[float]], list[list[float]], list[list[float]]]] = {
    2: ([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]],
        [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]],
        [[1, 1, 1, 0], [0, 1, -1, -1]]),
    4: ([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0], [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0],
         [0, 4, 0, -5, 0, 1]],
        [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6], [1 / 24, 1 / 12, 1 / 6],
         [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]],
        [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]),
}
TILES = tuple(_MATRICES)

# The measured choice (bench/README.md "Winograd convolutions": onnxruntime-web WASM, 1 thread, each same-resolution
# 3×3 conv shape of FFHQ-1024 timed direct / F(2,3) / F(4,3)): (minimum channels, minimum resolution, tile). The first
# row a layer meets is its form; a layer that meets none stays a direct Conv.
RULE: tuple[tuple[int, int, int], ...] = ((64, 16, 4), (512, 8, 2))


def tile_for(channels: int, resolution: int) -> int:
    """The Winograd output tile m for a stride-1 3×3 conv of `channels`→`channels` at `resolution`², 0 for direct."""
    for min_channels, min_resolution, tile in RULE:
        if channels >= min_channels and resolution >= min_resolution and resolution % tile == 0:
            return tile
    return 0


def _float64(tile: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if tile not in _MATRICES:
        raise ValueError(f"Winograd tile {tile}: must be one of {TILES}")
    return tuple(np.array(m, np.float64) for m in _MATRICES[tile])  # type: ignore[return-value]


def transformed_weight(weight: torch.Tensor, tile: int) -> torch.Tensor:
    """U [(m+2)², O, I] = G W Gᵀ per (o, i), from a [O, I, 3, 3] weight; computed in float64, returned float32."""
    _, g, _ = _float64(tile)
    g = torch.from_numpy(g)
    u = torch.einsum("ak,oikl,bl->aboi", g, weight.double(), g)
    return u.reshape(g.shape[0] ** 2, weight.shape[0], weight.shape[1]).float()


def conv3x3(x: torch.Tensor, u: torch.Tensor, tile: int) -> torch.Tensor:
    """F.conv2d(x, W, padding=1) for U = transformed_weight(W, tile); x [B, I, H, W] with H and W multiples of tile.

    Traced to Pad, strided Slices, two MatMuls per transform (`_separable`) and one batched MatMul for the channels,
    then Reshape/Transpose to interleave the tiles.
    """
    bt, _, at = _float64(tile)
    n = tile + 2
    batch, _, height, width = x.shape
    rows, cols = height // tile, width // tile
    padded = F.pad(x, (1, 1, 1, 1))
    span_h, span_w = tile * (rows - 1) + 1, tile * (cols - 1) + 1
    d = torch.stack([padded[:, :, r:r + span_h:tile, c:c + span_w:tile] for r in range(n) for c in range(n)])
    v = _separable(torch.from_numpy(bt).float(), d.reshape(n * n, -1))  # [n², B·I·rows·cols]
    v = v.reshape(n * n, batch, -1, rows * cols)
    v = v.reshape(n * n, -1, rows * cols) if batch == 1 else v.transpose(1, 2).reshape(n * n, v.shape[2], -1)
    m = u @ v  # [n², O, B·rows·cols]
    out_channels = u.shape[1]
    y = _separable(torch.from_numpy(at).float(), m.reshape(n * n, -1))  # [tile², O·B·rows·cols]
    if batch == 1:  # a rank-5 Transpose (the WebGPU EP's kernels are surest up to there)
        y = y.reshape(tile, tile, out_channels, rows, cols).permute(2, 3, 0, 4, 1)
    else:
        y = y.reshape(tile, tile, out_channels, batch, rows, cols).permute(3, 2, 4, 0, 5, 1)
    return y.reshape(batch, out_channels, height, width)


def _separable(matrix: torch.Tensor, tiles: torch.Tensor) -> torch.Tensor:
    """(M ⊗ M) · tiles for tiles [k², N] and M [j, k], as M along each tile's rows, then along its columns (a MatMul
    broadcast over the rows): j·k·(j + k) multiply-adds per tile column instead of j²·k², 3× fewer for F(4,3)'s input
    transform and 2.4× for its output. The single MatMul by M ⊗ M (K = 36) cost as much as the channel MatMul where
    channels are few: F(4,3) ran 1.2–1.9× faster this way at 128 × 256², 64 × 512² and 32 × 1024² (bench/README.md)."""
    j, k = matrix.shape
    rows = (matrix @ tiles.reshape(k, -1)).reshape(j, k, -1)  # [j, k, N]: M applied along the tile's rows
    return (matrix @ rows).reshape(j * j, -1)  # then along its columns, for each transformed row


WEIGHT_SUFFIX = ".winograd_w"


def store_weights_not_transforms(model: onnx.ModelProto, convs: list[tuple[np.ndarray, np.ndarray, int]]) -> None:
    """Replace each U of `convs` (U as traced, its [O, I, 3, 3] weight W, tile) that the graph holds by nodes computing
    it from W: MatMul(W [O, I, 9], (G⊗G)ᵀ [9, (m+2)²]) → Transpose → U [(m+2)², O, I].

    torch exports U as a Constant or an initializer under a generated name, so U is found by its value (bit-exact: the
    same float32 buffer). The pack then stores W (the float16 / int8 storage passes treat it as any weight), and
    onnxruntime constant-folds the nodes when the session is created (float16: Cast → MatMul → Transpose). A MatMul
    reading a constant of U's shape that matches no conv would leave U in the pack: refused.
    """
    graph = model.graph
    taken = {i.name for i in graph.initializer} | {o for n in graph.node for o in n.output}
    by_shape: dict[tuple[int, ...], list[tuple[np.ndarray, np.ndarray, int]]] = {}
    for conv in convs:
        by_shape.setdefault(conv[0].shape, []).append(conv)

    def match(tensor: onnx.TensorProto) -> tuple[np.ndarray, int] | None:
        candidates = by_shape.get(tuple(tensor.dims), [])
        if not candidates:
            return None
        value = numpy_helper.to_array(tensor)
        return next(((w, tile) for u, w, tile in candidates if np.array_equal(u, value)), None)

    added: list[onnx.TensorProto] = []
    replaced: set[str] = set()

    def computed(output: str, weight: np.ndarray, tile: int) -> list[onnx.NodeProto]:
        g_name = f"winograd_gg{tile}"
        if g_name not in taken:
            _, g, _ = _float64(tile)
            added.append(numpy_helper.from_array(np.kron(g, g).T.astype(np.float32), g_name))
            taken.add(g_name)
        w_name = _unique(f"conv{len(replaced)}{WEIGHT_SUFFIX}", taken)
        product = _unique(f"{w_name}_u", taken)
        added.append(numpy_helper.from_array(
            np.ascontiguousarray(weight.reshape(weight.shape[0], weight.shape[1], 9), np.float32), w_name))
        replaced.add(output)
        return [helper.make_node("MatMul", [w_name, g_name], [product], name=_unique(f"{w_name}_matmul", taken)),
                helper.make_node("Transpose", [product], [output], perm=[2, 0, 1],
                                 name=_unique(f"{w_name}_transpose", taken))]

    new_nodes: list[onnx.NodeProto] = []
    kept_initializers = []
    for initializer in graph.initializer:
        found = match(initializer)
        if found is None:
            kept_initializers.append(initializer)
        else:
            new_nodes += computed(initializer.name, *found)
    rest = []
    for node in graph.node:
        value = next((a.t for a in node.attribute if a.name == "value"), None) if node.op_type == "Constant" else None
        found = match(value) if value is not None else None
        if found is None:
            rest.append(node)
        else:
            new_nodes += computed(node.output[0], *found)
    u_rows = {(tile + 2) ** 2 for tile in TILES}
    constants = {i.name: tuple(i.dims) for i in kept_initializers} | {
        n.output[0]: tuple(a.t.dims) for n in rest if n.op_type == "Constant" for a in n.attribute if a.name == "value"}
    stray = [n.input[0] for n in rest if n.op_type == "MatMul" and n.input[0] not in replaced
             and len(constants.get(n.input[0], ())) == 3 and constants[n.input[0]][0] in u_rows]
    if stray:
        raise ValueError(f"Winograd U not recognised (it would be stored): {', '.join(stray)}")
    del graph.initializer[:]
    graph.initializer.extend(kept_initializers + added)
    del graph.node[:]
    graph.node.extend(new_nodes + rest)


def _unique(name: str, taken: set[str]) -> str:
    candidate, k = name, 1
    while candidate in taken:
        candidate, k = f"{name}_{k}", k + 1
    taken.add(candidate)
    return candidate
