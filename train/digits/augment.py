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


SMEAR_SIZE = 9  # px: the smearing kernel's side, room for the longest line in any direction
SMEAR_CENTRE = SMEAR_SIZE // 2
SMEAR_POINTS = 29


def random_smear(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Smear a third of the digits along a line in any direction, 1.5-7 px long, then darken the
    smear again by 1-2 times, as the reader's ink scale does (it counts a stroke 40 % darker than
    its paper as full ink). A shaken camera or a card held by hand smears every stroke one way;
    the reader's crops of such a card are soft along that way and sharp across it, which MNIST's
    digits never are."""
    n = images.shape[0]
    length = _uniform(n, 1.5, 7.0, generator)
    angle = _uniform(n, 0, math.pi, generator)
    chosen = (torch.rand(n, generator=generator) < 1 / 3).float().view(n, 1, 1, 1)
    gain = _uniform(n, 1.0, 2.0, generator)
    return images + chosen * (smear(images, length, angle, gain) - images)


def smear(images: torch.Tensor, length: torch.Tensor, angle: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
    """Each image smeared along a line ``length`` px long at ``angle`` (radians from the x axis,
    y down), times ``gain``, clipped to 1. Lengths up to ``SMEAR_SIZE`` - 1."""
    n = images.shape[0]
    # The line as points (1/4 px apart on a 7 px line), each spread over its four nearest pixels.
    along = torch.linspace(-0.5, 0.5, SMEAR_POINTS).view(1, -1) * length.view(n, 1)
    xs = SMEAR_CENTRE + along * torch.cos(angle).view(n, 1)
    ys = SMEAR_CENTRE + along * torch.sin(angle).view(n, 1)
    grid = torch.arange(SMEAR_SIZE, dtype=images.dtype).view(1, 1, -1)
    weight_x = (1 - (grid - xs.unsqueeze(-1)).abs()).clamp(min=0)  # n x points x kernel side
    weight_y = (1 - (grid - ys.unsqueeze(-1)).abs()).clamp(min=0)
    kernel = torch.einsum("npy,npx->nyx", weight_y, weight_x)
    kernel = kernel / kernel.sum(dim=(1, 2), keepdim=True)
    smeared = F.conv2d(images.view(1, n, *images.shape[-2:]), kernel.unsqueeze(1), padding=SMEAR_CENTRE, groups=n)
    return (smeared.view_as(images) * gain.view(n, 1, 1, 1)).clamp(0, 1)


def augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Images in [0, 1], shape N x 1 x 28 x 28; returns the same shape."""
    warped = random_elastic(random_affine(images, generator), generator)
    return random_camera(random_smear(random_stroke_width(warped, generator), generator), generator)
