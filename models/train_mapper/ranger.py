"""Ranger: RAdam + Lookahead + gradient centralisation (lessw2020's Ranger, version 20.4.11, the one StyleCLIP's
mapper coach uses with lr 0.5). Written from the published algorithm; defaults are upstream's.

Per parameter and step t:
* gradient centralisation: for tensors of more than one dimension, subtract the gradient's mean over all but
  the first axis;
* Adam moments m, v with β = (0.95, 0.999);
* RAdam rectification: ρ_∞ = 2/(1 − β₂) − 1, ρ_t = ρ_∞ − 2tβ₂ᵗ/(1 − β₂ᵗ). When ρ_t > 5 the step is
  lr·r_t/(1 − β₁ᵗ)·m/(√v + ε) with r_t = √((1 − β₂ᵗ)(ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t)),
  otherwise the un-normalised lr/(1 − β₁ᵗ)·m;
* Lookahead: every k = 6 steps the slow weights move α = 0.5 of the way to the fast ones and the fast weights
  are reset to them.
"""
from __future__ import annotations

import math

import torch
from torch.optim import Optimizer


class Ranger(Optimizer):
    def __init__(self, params, lr: float = 1e-3, alpha: float = 0.5, k: int = 6, n_sma_threshold: float = 5,
                 betas: tuple[float, float] = (0.95, 0.999), eps: float = 1e-5, weight_decay: float = 0,
                 use_gc: bool = True, gc_conv_only: bool = False):
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha {alpha}: must be in [0, 1]")
        if k < 1:
            raise ValueError(f"k {k}: must be at least 1")
        if lr <= 0:
            raise ValueError(f"lr {lr}: must be positive")
        defaults = dict(lr=lr, alpha=alpha, k=k, n_sma_threshold=n_sma_threshold, betas=betas, eps=eps,
                        weight_decay=weight_decay)
        super().__init__(params, defaults)
        self.gc_min_dims = (3 if gc_conv_only else 1) + 1 if use_gc else None  # centralise tensors with ≥ this many dims

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr = group["lr"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if grad.is_sparse:
                    raise RuntimeError("Ranger does not support sparse gradients")
                if self.gc_min_dims is not None and grad.dim() >= self.gc_min_dims:
                    grad = grad - grad.mean(dim=tuple(range(1, grad.dim())), keepdim=True)
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(p)
                    state["exp_avg_sq"] = torch.zeros_like(p)
                    state["slow_buffer"] = p.detach().clone()
                state["step"] += 1
                t = state["step"]
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)

                beta2_t = beta2**t
                sma_max = 2 / (1 - beta2) - 1
                sma = sma_max - 2 * t * beta2_t / (1 - beta2_t)
                rectified = sma > group["n_sma_threshold"]
                if rectified:
                    step_size = math.sqrt((1 - beta2_t) * (sma - 4) / (sma_max - 4) * (sma - 2) / sma
                                          * sma_max / (sma_max - 2)) / (1 - beta1**t)
                else:
                    step_size = 1.0 / (1 - beta1**t)
                if group["weight_decay"] != 0:
                    p.add_(p, alpha=-group["weight_decay"] * lr)
                if rectified:
                    p.addcdiv_(exp_avg, exp_avg_sq.sqrt().add_(group["eps"]), value=-step_size * lr)
                else:
                    p.add_(exp_avg, alpha=-step_size * lr)

                if t % group["k"] == 0:  # Lookahead
                    slow = state["slow_buffer"]
                    slow.add_(p - slow, alpha=group["alpha"])
                    p.copy_(slow)
        return loss
