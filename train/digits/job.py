"""``edgecam train digits`` end to end: data, training with progress, and what it leaves behind."""

from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict
from pathlib import Path

import torch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from edgecam.edge import atomic
from edgecam.edge.errors import EX_USAGE, EdgecamError
from edgecam.edge.scenes.mnist import ensure_mnist, load_mnist
from edgecam.train.digits import nets as digit_nets
from edgecam.train.digits import plots as digit_plots
from edgecam.train.digits.training import EpochReport, Recipe, Trainer, load_checkpoint, resolve_device

CHECKPOINT, REPORT, CURVE, PREDICTIONS = "digits.pt", "digits.json", "digits_curve.png", "digits_predictions.png"
BEFORE_SOURCES = {"printed": 0, "flagged": 0.0, "cards": 0}  # the recipe's sources of digits besides MNIST, off


def train_digits(
    out: Path,
    data_dir: Path,
    arch: str | None,
    resume: bool,
    device: str,
    threads: int | None,
    console: Console,
    **overrides,
) -> dict:
    """Train (or resume) and write the checkpoint, report and plots into ``out``; return the report."""
    if threads:
        torch.set_num_threads(threads)
    device_ = resolve_device(device)
    checkpoint_path = Path(out) / CHECKPOINT
    state = _resume_state(checkpoint_path, arch, overrides) if resume else None
    if state is not None:
        # A checkpoint from before a source of training digits existed was trained without it.
        epochs = {"epochs": overrides["epochs"]} if overrides.get("epochs") else {}
        recipe = Recipe(**{**BEFORE_SOURCES, **state["recipe"], **epochs})
    else:
        recipe = Recipe.for_arch(arch or "edge", **overrides)

    data = load_mnist(ensure_mnist(data_dir, console))
    trainer = _trainer_with_progress(recipe, data, device_, console)
    if state is not None:
        trainer.restore(state)
        if trainer.epoch >= recipe.epochs:
            raise EdgecamError(
                f"{checkpoint_path} has already trained {trainer.epoch} epochs; "
                f"pass --epochs above {trainer.epoch} to go on.",
                EX_USAGE,
            )
        console.print(f"Resuming {recipe.arch} from epoch {trainer.epoch} of {recipe.epochs}")

    console.print(
        f"Training [bold]{recipe.arch}[/] on {len(trainer.train_x):,} images, {device_.type}, "
        f"{torch.get_num_threads()} thread(s): {recipe.epochs} epochs, batch {recipe.batch_size}, "
        f"{recipe.optimizer} lr {recipe.lr}, augmentation {'on' if recipe.augment else 'off'}"
    )
    started = time.perf_counter()
    _run_with_progress(trainer, checkpoint_path, console)
    test_loss, accuracy, predicted = trainer.evaluate()
    report = _report(trainer, test_loss, accuracy, device_, time.perf_counter() - started)
    atomic.write_text(Path(out) / REPORT, json.dumps(report, indent=2) + "\n")
    digit_plots.save_curve(
        Path(out) / CURVE,
        trainer.history.train,
        trainer.history.test,
        f"{recipe.arch}: {accuracy:.2%} test accuracy after {trainer.epoch} epochs",
    )
    digit_plots.save_predictions(Path(out) / PREDICTIONS, data.test_images, data.test_labels, predicted)
    console.print(
        f"[green]Test accuracy {accuracy:.2%}[/] (loss {test_loss:.4f}); wrote {checkpoint_path}, "
        f"{REPORT}, {CURVE} and {PREDICTIONS} in {out}"
    )
    return report


def _resume_state(path: Path, arch: str | None, overrides: dict) -> dict:
    state = load_checkpoint(path)
    if arch is not None and arch != state["arch"]:
        raise EdgecamError(f"--resume: {path} holds arch {state['arch']!r}, not {arch!r}.", EX_USAGE)
    changed = [k for k, v in overrides.items() if v is not None and k != "epochs" and state["recipe"].get(k) != v]
    if changed:
        raise EdgecamError(f"--resume continues the recipe in {path}; it cannot change {', '.join(changed)}.", EX_USAGE)
    return state


def _trainer_with_progress(recipe: Recipe, data, device: torch.device, console: Console) -> Trainer:
    """The trainer, with a bar while it cuts digits out of its camera views of cards."""
    columns = (TextColumn("cards"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("cards", total=None)

        def on_cards(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return Trainer(recipe, data, device, on_cards)


def _run_with_progress(trainer: Trainer, checkpoint_path: Path, console: Console) -> None:
    columns = (
        TextColumn("epoch {task.fields[epoch]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.4f}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = None

        def on_batch(step: int, running_loss: float) -> None:
            nonlocal task
            if task is None:
                task = progress.add_task(
                    "train",
                    total=trainer.steps_per_epoch,
                    epoch=f"{trainer.epoch + 1}/{trainer.recipe.epochs}",
                    loss=running_loss,
                )
            progress.update(task, completed=step, loss=running_loss)

        def on_epoch(report: EpochReport) -> None:
            nonlocal task
            if task is not None:
                progress.remove_task(task)
                task = None
            console.print(
                f"epoch {report.epoch}/{report.epochs}  train loss {report.train_loss:.4f}  "
                f"test loss {report.test_loss:.4f}  accuracy {report.test_accuracy:.2%}  "
                f"({report.seconds:.0f} s)"
            )

        try:
            trainer.run(on_batch=on_batch, on_epoch=on_epoch, checkpoint=checkpoint_path)
        except KeyboardInterrupt:
            progress.stop()
            console.print(
                f"[yellow]Interrupted; {checkpoint_path} holds epoch {trainer.epoch}. "
                "Run again with --resume to go on.[/]"
            )
            raise


def _report(trainer: Trainer, test_loss: float, accuracy: float, device: torch.device, seconds: float) -> dict:
    return {
        "test_accuracy": accuracy,
        "test_loss": test_loss,
        "epochs": trainer.epoch,
        "arch": trainer.recipe.arch,
        "seconds": round(trainer.history.seconds, 1),
        "seconds_this_run": round(seconds, 1),
        "parameters": sum(p.numel() for p in trainer.model.parameters()),
        "multiply_adds": digit_nets.multiply_adds(trainer.model),
        "train_images": len(trainer.train_x),
        "recipe": asdict(trainer.recipe),
        "normalization": {"mean": [digit_nets.MNIST_MEAN], "std": [digit_nets.MNIST_STD]},
        "per_epoch": [
            {"epoch": i + 1, "test_loss": loss, "test_accuracy": acc}
            for i, (_, loss, acc) in enumerate(trainer.history.test)
        ],
        "device": device.type,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "machine": platform.machine(),
    }
