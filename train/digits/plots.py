"""The two pictures a training run leaves behind: its loss curve and its predictions."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed: training runs on servers and in CI
import matplotlib.pyplot as plt
import numpy as np

from edgecam.edge import atomic


def save_curve(path: Path, train: list[list[float]], test: list[list[float]], title: str) -> None:
    """Train loss against examples seen, test loss as points: the tutorial's plot."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    if train:
        seen, loss = zip(*[(point[0], point[1]) for point in train], strict=False)
        ax.plot(seen, loss, color="tab:blue", linewidth=0.8, label="train loss")
    if test:
        ax.scatter([p[0] for p in test], [p[1] for p in test], color="tab:red", zorder=3, label="test loss")
    ax.set_xlabel("training examples seen")
    ax.set_ylabel("loss")
    ax.set_yscale("log")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    _save(fig, path)


def save_predictions(
    path: Path, images: np.ndarray, labels: np.ndarray, predicted: np.ndarray, rows: int = 6, cols: int = 10
) -> None:
    """A grid of test digits titled with the prediction; mistakes first, in red."""
    wrong = np.flatnonzero(predicted != labels)
    right = np.flatnonzero(predicted == labels)
    chosen = np.concatenate([wrong[: rows * cols // 3], right])[: rows * cols]
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.1, rows * 1.25))
    for ax, index in zip(axes.flat, chosen, strict=False):
        ax.imshow(images[index], cmap="gray_r")
        ok = predicted[index] == labels[index]
        ax.set_title(
            f"{predicted[index]}" if ok else f"{predicted[index]} (is {labels[index]})",
            color="black" if ok else "red",
            fontsize=9,
        )
        ax.axis("off")
    for ax in list(axes.flat)[len(chosen) :]:
        ax.axis("off")
    fig.suptitle(f"test digits with predictions ({len(wrong)} of {len(labels)} wrong)")
    fig.tight_layout()
    _save(fig, path)


def _save(fig, path: Path) -> None:
    with atomic.atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format=Path(path).suffix.lstrip(".") or "png")
    plt.close(fig)
