"""``edgecam train digits``: the handwritten-digit CNN on MNIST."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from edgecam.edge.extras import require


def digits(
    out: Path = typer.Option(Path("models"), "--out", help="Folder for digits.pt, digits.json and the two plots."),
    data_dir: Path | None = typer.Option(
        None,
        "--data-dir",
        help="MNIST folder in torchvision's layout (DIR/MNIST/raw). "
        "Default: ~/.cache/edgecam/mnist. Missing or corrupt files are fetched and verified.",
    ),
    arch: str | None = typer.Option(
        None,
        "--arch",
        help="'edge' (default: ours, >=99.4 %, camera-ready augmentation) or "
        "'seed' (the tutorial's Net and recipe, ~97 %).",
    ),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Epochs in all (edge: 12, seed: 3)."),
    batch_size: int | None = typer.Option(None, "--batch-size", min=1, help="Training batch (edge: 128, seed: 64)."),
    lr: float | None = typer.Option(
        None, "--lr", min=0.0, help="Peak learning rate (edge: 0.003 AdamW, seed: 0.01 SGD)."
    ),
    seed: int | None = typer.Option(
        None, "--seed", help="Random seed (default 1); same seed on CPU gives the same numbers."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Train on the first N images only, for quick runs."),
    cards: int | None = typer.Option(
        None,
        "--cards",
        min=0,
        help="Camera views of cards to cut training digits from, as the reader cuts them (edge: 20000, "
        "about 6 minutes on 2 cores; 0: MNIST alone).",
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue from OUT/digits.pt exactly where it stopped."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    threads: int | None = typer.Option(None, "--threads", min=1, help="CPU threads for PyTorch (default: all cores)."),
) -> None:
    """Train the handwritten-digit CNN on MNIST and write a checkpoint, a report and two plots.

    Example: `edgecam train digits --out models` (about 15 minutes on 2 CPU cores).
    Ctrl-C keeps the last finished epoch in digits.pt; --resume goes on from there.
    """
    require("torch", "train", "Training")
    from edgecam.edge.scenes.mnist import default_data_dir
    from edgecam.train.digits.job import train_digits

    train_digits(
        out,
        data_dir or default_data_dir(),
        arch,
        resume,
        device,
        threads,
        Console(stderr=True),
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        limit=limit,
        cards=cards,
    )
