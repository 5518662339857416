"""Batched augmentation that makes MNIST look more like digits seen by a camera.

All of it runs on whole batches with tensor ops (one affine grid sample, pooling
for stroke width), so it costs little next to the network itself. Randomness
comes only from the generator passed in, which keeps runs reproducible.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=generator)


def random_affine(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Small rotations (+-12 deg), scale (0.85-1.12), shear and shifts (+-2.5 px)."""
    n = images.shape[0]
    angle = _uniform(n, -12, 12, generator) * math.pi / 180
    scale = _uniform(n, 0.85, 1.12, generator)
    shear = _uniform(n, -0.15, 0.15, generator)
    # affine_grid works in [-1, 1] coordinates: 2.5 px of 28 is 2.5 / 14.
    shift = _uniform(2 * n, -2.5 / 14, 2.5 / 14, generator).view(n, 2)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin + shear * cos, shift[:, 0]], 1), torch.stack([sin, cos + shear * sin, shift[:, 1]], 1)],
        1,
    )
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_elastic(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A smooth random warp (up to ~2 px) of half the digits: one hand's strokes wander where
    another's run straight, and a few typeset digits must stand for many hands."""
    n = images.shape[0]
    coarse = torch.randn((n, 2, 4, 4), generator=generator) * (1.0 / 14)  # 1 px of 28 is 1/14 in grid units
    field = F.interpolate(coarse, size=images.shape[-2:], mode="bicubic", align_corners=True)
    field = field * (torch.rand(n, generator=generator) < 0.5).float().view(n, 1, 1, 1)
    identity = torch.eye(2, 3).unsqueeze(0).expand(n, 2, 3)
    grid = F.affine_grid(identity, list(images.shape), align_corners=False) + field.permute(0, 2, 3, 1)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_stroke_width(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Thicken a quarter of the digits and thin another quarter, by a random amount.

    Pens, markers and camera blur change stroke width far more than MNIST does.
    """
    n = images.shape[0]
    choice = torch.rand(n, generator=generator)
    amount = _uniform(n, 0.3, 1.0, generator).view(n, 1, 1, 1)
    thick = F.max_pool2d(images, 3, stride=1, padding=1)
    thin = -F.max_pool2d(-images, 3, stride=1, padding=1)
    target = torch.where((choice < 0.25).view(n, 1, 1, 1), thick, images)
    target = torch.where((choice > 0.75).view(n, 1, 1, 1), thin, target)
    return images + amount * (target - images)


def random_camera(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Lower contrast and sensor noise on some digits."""
    n = images.shape[0]
    contrast = _uniform(n, 0.6, 1.0, generator).view(n, 1, 1, 1)
    noisy = (torch.rand(n, generator=generator) < 0.3).float().view(n, 1, 1, 1)
    noise = torch.randn(images.shape, generator=generator) * _uniform(n, 0.0, 0.08, generator).view(n, 1, 1, 1)
    return (images * contrast + noisy * noise).clamp(0, 1)


def augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Images in [0, 1], shape N x 1 x 28 x 28; returns the same shape."""
    warped = random_elastic(random_affine(images, generator), generator)
    return random_camera(random_stroke_width(warped, generator), generator)
