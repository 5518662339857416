"""A short camera-like clip for the demo and the tests: a card of MNIST digits in a fixed ROI,
swapped every few seconds, on a desk under uneven light, optionally with a face moving past."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from edgecam.edge import atomic
from edgecam.edge.faces.people import person_folders
from edgecam.edge.scenes.cards import make_card

FRAME_SIZE = (640, 480)
CARD_RECT = (160, 280, 320, 160)  # x, y, w, h of the card in the frame
ROI = (168, 288, 304, 144)  # inside the card, with room for a hand's shake


@dataclass
class Clip:
    path: Path
    fps: float
    frames: int
    roi: tuple[int, int, int, int] = ROI
    texts: list[str] = field(default_factory=list)  # the card's digits, per frame
    faces: list[tuple[str, tuple[int, int, int, int]] | None] = field(default_factory=list)  # (name, pasted box)


def desk(rng: np.random.Generator) -> np.ndarray:
    width, height = FRAME_SIZE
    noise = cv2.resize(rng.normal(0, 1, (height // 12, width // 12)), (width, height), interpolation=cv2.INTER_CUBIC)
    wood = (90 + 25 * noise)[:, :, None] * np.array([0.55, 0.75, 1.0])[None, None, :]
    light = np.linspace(0.75, 1.1, width)[None, :, None]
    return np.clip(wood * light, 0, 255).astype(np.uint8)


def make_clip(
    path: str | os.PathLike,
    images: np.ndarray,
    labels: np.ndarray,
    seed: int = 0,
    frames: int = 150,
    fps: float = 15.0,
    frames_per_card: int = 30,
    people: dict[str, list[np.ndarray]] | None = None,
) -> Clip:
    """Write the clip to ``path`` (MP4, atomically) and return what is in it."""
    images, labels = typical(images, labels)
    rng = np.random.default_rng(seed)
    background = desk(rng)
    clip = Clip(Path(path), fps, frames)
    cx, cy, cw, ch = CARD_RECT
    walkers = sorted(people.items()) if people else []
    with atomic.atomic_path(path) as tmp:
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter.fourcc(*"mp4v"), fps, FRAME_SIZE)
        card = None
        for index in range(frames):
            if card is None or index % frames_per_card == 0:
                card = make_card(images, labels, rng, size=(cw, ch), margin=0.1)
            frame = background.copy()
            dx, dy = rng.integers(-2, 3, 2)  # the card shakes a little in a hand
            frame[cy + dy : cy + dy + ch, cx + dx : cx + dx + cw] = card.image
            clip.texts.append(card.text)
            clip.faces.append(_walk(frame, walkers, index, frames, rng) if walkers else None)
            frame = cv2.GaussianBlur(frame, (0, 0), 0.6)
            frame = np.clip(frame.astype(np.int16) + rng.normal(0, 3, frame.shape).astype(np.int16), 0, 255).astype(
                np.uint8
            )
            writer.write(frame)
        writer.release()
    return clip


def typical(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The digits written the usual way: those nearest their own class's mean picture. A demo card
    should read at a glance to a person; MNIST also holds an S-like 5 or an open-topped 8, and
    the reader rightly calls those unsure (the held-out benchmark keeps every digit)."""
    flat = images.reshape(len(images), -1).astype(np.float32)
    classes = np.unique(labels)
    if len(classes) < 2:
        return images, labels
    means = np.stack([flat[labels == c].mean(axis=0) for c in classes])
    distances = (flat**2).sum(1)[:, None] - 2 * flat @ means.T + (means**2).sum(1)[None, :]
    keep = classes[distances.argmin(axis=1)] == labels
    return (images[keep], labels[keep]) if keep.any() else (images, labels)


def _walk(frame: np.ndarray, walkers, index: int, frames: int, rng) -> tuple[str, tuple[int, int, int, int]] | None:
    """One person at a time crosses the top of the frame, a new photo of them now and then; a walker
    with no photos is a time when no one is in view."""
    share = frames / len(walkers)
    name, photos = walkers[min(int(index / share), len(walkers) - 1)]
    if not photos:
        return None
    photo = photos[int(index / 10) % len(photos)]
    face = cv2.resize(photo, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
    h, w = face.shape[:2]
    progress = (index % share) / share
    x = int(20 + progress * (FRAME_SIZE[0] - w - 40))
    y = 20
    frame[y : y + h, x : x + w] = face if face.ndim == 3 else cv2.cvtColor(face, cv2.COLOR_GRAY2BGR)
    return name, (x, y, w, h)


def people_photos(dataset: Path, count: int = 3) -> dict[str, list[np.ndarray]]:
    """The first ``count`` people of a face dataset and their photos in grey, to walk through a clip."""
    people = {}
    for name, paths in list(person_folders(dataset).items())[:count]:
        photos = [img for img in (cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in paths) if img is not None]
        if photos:
            people[name] = photos
    return people
