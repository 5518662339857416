"""Train the digit CNN: a reproducible loop with checkpoints that resume exactly.

Everything random (weight init, shuffling, augmentation, dropout) is seeded, and
the generator states travel in the checkpoint, so an interrupted run resumed
from ``digits.pt`` produces the same numbers as one that never stopped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from edgecam.edge import atomic
from edgecam.edge.errors import EX_USAGE, DataError, EdgecamError, MissingInput, Unavailable
from edgecam.edge.scenes.mnist import Mnist
from edgecam.train.digits import nets as digit_nets
from edgecam.train.digits.augment import augment
from edgecam.train.digits.card_crops import card_crops
from edgecam.train.digits.flagged import flagged_copies
from edgecam.train.digits.printed import printed_digits

CHECKPOINT_FORMAT = "edgecam-digits/1"
MNIST_TRAIN_SIZE = 60_000


@dataclass
class Recipe:
    """Hyper-parameters; ``for_arch`` gives each arch its defaults."""

    arch: str = "edge"
    epochs: int = 12
    batch_size: int = 128
    test_batch_size: int = 1000
    lr: float = 0.003
    momentum: float = 0.5  # SGD only
    optimizer: str = "adamw"
    weight_decay: float = 1e-4
    schedule: str = "onecycle"
    label_smoothing: float = 0.05
    augment: bool = True
    printed: int = 15  # copies of each typeset digit (train/digits/printed.py) added to the training set
    flagged: float = 0.5  # share of MNIST's 1s also added with a flag, half as many 7s crossed (flagged.py)
    cards: int = 20_000  # camera views of cards whose digits, as the reader cuts them, are added (card_crops.py)
    seed: int = 1
    limit: int | None = None
    # The learning-rate schedule spans this many epochs; fixed at the first run so
    # that a resumed or extended run keeps the schedule it started with.
    schedule_epochs: int | None = None

    @classmethod
    def for_arch(cls, arch: str, **overrides) -> Recipe:
        if arch == "seed":
            # The tutorial, exactly: SGD lr 0.01 momentum 0.5, batch 64/1000, 3 epochs, no augmentation.
            base = cls(
                arch="seed",
                epochs=3,
                batch_size=64,
                lr=0.01,
                optimizer="sgd",
                weight_decay=0.0,
                schedule="constant",
                label_smoothing=0.0,
                augment=False,
                printed=0,
                flagged=0.0,
                cards=0,
            )
        elif arch == "edge":
            base = cls()
        else:
            raise EdgecamError(f"Unknown --arch {arch!r}; choose one of: {', '.join(digit_nets.ARCHS)}.", EX_USAGE)
        return cls(**{**asdict(base), **{k: v for k, v in overrides.items() if v is not None}})


@dataclass
class History:
    train: list[list[float]] = field(default_factory=list)  # [examples seen, loss]
    test: list[list[float]] = field(default_factory=list)  # [examples seen, loss, accuracy]
    seconds: float = 0.0


@dataclass
class EpochReport:
    epoch: int
    epochs: int
    train_loss: float
    test_loss: float
    test_accuracy: float
    seconds: float


class Trainer:
    """Owns the model, optimiser, schedule and random state of one training run."""

    def __init__(
        self, recipe: Recipe, data: Mnist, device: torch.device, on_cards: Callable[[int, int], None] | None = None
    ):
        """``on_cards(done, total)`` hears how the cards for ``recipe.cards`` are coming along."""
        if recipe.schedule_epochs is None:
            recipe = Recipe(**{**asdict(recipe), "schedule_epochs": recipe.epochs})
        self.recipe, self.device = recipe, device
        torch.manual_seed(recipe.seed)
        self.generator = torch.Generator().manual_seed(recipe.seed)
        self.model = digit_nets.build(recipe.arch).to(device)
        self.train_x, self.train_y = _as_tensors(data.train_images, data.train_labels, recipe.limit)
        if len(self.train_x) == 0:
            raise DataError("--limit leaves no training images.")
        mnist_size = len(self.train_x)
        images, labels = data.train_images[:mnist_size], data.train_labels[:mnist_size]
        if recipe.flagged:
            flagged, flagged_labels = _as_tensors(*flagged_copies(images, labels, recipe.flagged, recipe.seed), None)
            self.train_x, self.train_y = torch.cat([self.train_x, flagged]), torch.cat([self.train_y, flagged_labels])
        # As many cards per MNIST digit as in the full set, however much --limit keeps.
        cards = round(recipe.cards * mnist_size / MNIST_TRAIN_SIZE)
        if cards:
            heard = (lambda done: on_cards(done, cards)) if on_cards else None
            crops, crop_labels = _as_tensors(*card_crops(images, labels, cards, recipe.seed, heard), None)
            self.train_x, self.train_y = torch.cat([self.train_x, crops]), torch.cat([self.train_y, crop_labels])
        # As many typeset digits per MNIST digit as in the full set, however much --limit keeps.
        copies = round(recipe.printed * mnist_size / MNIST_TRAIN_SIZE)
        if copies:
            typeset, digits = _as_tensors(*printed_digits(), None)
            self.train_x = torch.cat([self.train_x, typeset.repeat(copies, 1, 1, 1)])
            self.train_y = torch.cat([self.train_y, digits.repeat(copies)])
        self.test_x, self.test_y = _as_tensors(data.test_images, data.test_labels, None)
        self.steps_per_epoch = math.ceil(len(self.train_x) / recipe.batch_size)
        self.log_every = max(1, min(20, self.steps_per_epoch // 25))  # batches between curve points
        self.optimizer = self._optimizer()
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, self._lr_factor)
        self.epoch = 0
        self.history = History()

    # -- the schedule is a pure function of the step, so resuming needs only the step count
    def _lr_factor(self, step: int) -> float:
        if self.recipe.schedule == "constant":
            return 1.0
        total = (self.recipe.schedule_epochs or self.recipe.epochs) * self.steps_per_epoch
        warmup = max(1, int(0.15 * total))
        if step < warmup:
            return 0.04 + 0.96 * step / warmup
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return 0.002 + 0.998 * 0.5 * (1 + math.cos(math.pi * progress))

    def _optimizer(self) -> torch.optim.Optimizer:
        r = self.recipe
        if r.optimizer == "sgd":
            return torch.optim.SGD(self.model.parameters(), lr=r.lr, momentum=r.momentum, weight_decay=r.weight_decay)
        return torch.optim.AdamW(self.model.parameters(), lr=r.lr, weight_decay=r.weight_decay)

    def train_epoch(self, on_batch: Callable[[int, float], None] | None = None) -> float:
        r = self.recipe
        self.model.train()
        order = torch.randperm(len(self.train_x), generator=self.generator)
        seen_before = self.epoch * len(self.train_x)
        running, total_loss = None, 0.0
        for step, start in enumerate(range(0, len(order), r.batch_size)):
            index = order[start : start + r.batch_size]
            images = self.train_x[index]
            if r.augment:
                images = augment(images, self.generator)
            images = _normalise(images).to(self.device)
            labels = self.train_y[index].to(self.device)
            self.optimizer.zero_grad(set_to_none=True)
            loss = (
                F.cross_entropy(self.model(images), labels, label_smoothing=r.label_smoothing)
                if r.arch != "seed"
                else F.nll_loss(self.model(images), labels)
            )
            loss.backward()
            self.optimizer.step()
            self.scheduler.step()
            value = loss.item()
            total_loss += value * len(index)
            running = value if running is None else 0.9 * running + 0.1 * value
            if step % self.log_every == 0:
                self.history.train.append([seen_before + start + len(index), value])
            if on_batch:
                on_batch(step + 1, running)
        self.epoch += 1
        return total_loss / len(order)

    @torch.no_grad()
    def evaluate(self) -> tuple[float, float, np.ndarray]:
        """Test loss (mean NLL), accuracy (0-1) and the predictions on the whole test set."""
        self.model.eval()
        loss, predictions = 0.0, []
        for start in range(0, len(self.test_x), self.recipe.test_batch_size):
            images = _normalise(self.test_x[start : start + self.recipe.test_batch_size]).to(self.device)
            labels = self.test_y[start : start + self.recipe.test_batch_size].to(self.device)
            log_probs = F.log_softmax(self.model(images), dim=1)
            loss += F.nll_loss(log_probs, labels, reduction="sum").item()
            predictions.append(log_probs.argmax(1).cpu())
        predicted = torch.cat(predictions).numpy()
        accuracy = float((predicted == self.test_y.numpy()).mean())
        return loss / len(self.test_x), accuracy, predicted

    def run(
        self,
        on_batch=None,
        on_epoch: Callable[[EpochReport], bool | None] | None = None,
        checkpoint: Path | None = None,
    ) -> EpochReport | None:
        """Train until ``recipe.epochs``; ``on_epoch`` returning False stops early (as Ctrl-C would)."""
        report = None
        while self.epoch < self.recipe.epochs:
            started = time.perf_counter()
            train_loss = self.train_epoch(on_batch)
            test_loss, accuracy, _ = self.evaluate()
            self.history.seconds += time.perf_counter() - started
            self.history.test.append([self.epoch * len(self.train_x), test_loss, accuracy])
            report = EpochReport(
                self.epoch, self.recipe.epochs, train_loss, test_loss, accuracy, time.perf_counter() - started
            )
            if checkpoint is not None:
                self.save(checkpoint)
            if on_epoch and on_epoch(report) is False:
                break
        return report

    # -- checkpoints -------------------------------------------------------------------
    def state(self) -> dict:
        return {
            "format": CHECKPOINT_FORMAT,
            "arch": self.recipe.arch,
            "recipe": asdict(self.recipe),
            "epoch": self.epoch,
            "model_state": self.model.state_dict(),
            "optimizer_state": self.optimizer.state_dict(),
            "scheduler_state": self.scheduler.state_dict(),
            "history": asdict(self.history),
            "normalization": {"mean": [digit_nets.MNIST_MEAN], "std": [digit_nets.MNIST_STD]},
            "test_accuracy": self.history.test[-1][2] if self.history.test else None,
            "rng": {"torch": torch.get_rng_state(), "data": self.generator.get_state()},
        }

    def save(self, path: Path) -> None:
        with atomic.atomic_path(path) as tmp:
            torch.save(self.state(), tmp)

    def restore(self, state: dict) -> None:
        self.model.load_state_dict(state["model_state"])
        self.optimizer.load_state_dict(state["optimizer_state"])
        self.scheduler.load_state_dict(state["scheduler_state"])
        self.epoch = int(state["epoch"])
        self.history = History(**state["history"])
        torch.set_rng_state(state["rng"]["torch"])
        self.generator.set_state(state["rng"]["data"])


def load_checkpoint(path: Path) -> dict:
    """Load one of our checkpoints safely (weights only), or say clearly why not."""
    if not Path(path).is_file():
        raise MissingInput(f"No checkpoint at {path}.")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise DataError(f"{path} is not a readable PyTorch checkpoint ({type(error).__name__}).") from error
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise DataError(f"{path} is not an edgecam digit checkpoint (no '{CHECKPOINT_FORMAT}' format tag).")
    return state


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise Unavailable("--device cuda was asked for, but PyTorch sees no CUDA GPU here; use --device cpu.")
    if name not in ("cpu", "cuda"):
        raise EdgecamError(f"Unknown --device {name!r}; choose auto, cpu or cuda.", EX_USAGE)
    return torch.device(name)


def _as_tensors(images: np.ndarray, labels: np.ndarray, limit: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x = torch.from_numpy(np.array(images)).float().div_(255).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))


def _normalise(images: torch.Tensor) -> torch.Tensor:
    return (images - digit_nets.MNIST_MEAN) / digit_nets.MNIST_STD
