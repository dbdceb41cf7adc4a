"""Ranger (RAdam + Lookahead + gradient centralisation) against the algorithm written out step by step."""
from __future__ import annotations

import math

import numpy as np
import torch

from golden_support import assert_close
from models.train_mapper.ranger import Ranger


def plain_ranger(p, grads, *, lr, beta1=0.95, beta2=0.999, eps=1e-5, k=6, alpha=0.5, threshold=5):
    p = p.astype(np.float64).copy()
    slow, m, v = p.copy(), np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        g = g - g.mean(axis=1, keepdims=True) if g.ndim > 1 else g  # centralise over all axes but the first
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        rho_inf = 2 / (1 - beta2) - 1
        rho = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        if rho > threshold:
            r = math.sqrt((1 - beta2**t) * (rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            p = p - lr * r / (1 - beta1**t) * m / (np.sqrt(v) + eps)
        else:
            p = p - lr / (1 - beta1**t) * m
        if t % k == 0:
            slow = slow + alpha * (p - slow)
            p = slow.copy()
    return p


def test_thirteen_steps_equal_the_written_out_algorithm():
    rng = np.random.default_rng(5)
    start = {"weight": rng.standard_normal((4, 3)), "bias": rng.standard_normal(4)}
    grads = {name: [rng.standard_normal(value.shape) for _ in range(13)] for name, value in start.items()}
    params = {name: torch.nn.Parameter(torch.tensor(value, dtype=torch.float64)) for name, value in start.items()}
    optimizer = Ranger(params.values(), lr=0.5)
    for step in range(13):  # 1–5 un-rectified, 6 on rectified, Lookahead syncs at 6 and 12
        for name, param in params.items():
            param.grad = torch.tensor(grads[name][step])
        optimizer.step()
    for name, param in params.items():
        assert_close(param.detach(), plain_ranger(start[name], grads[name], lr=0.5), name, 1e-12)
