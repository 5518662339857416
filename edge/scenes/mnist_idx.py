"""Read and write MNIST's IDX files (the format torchvision keeps in ``MNIST/raw``)."""

from __future__ import annotations

import struct

import numpy as np

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049


def encode_images(images: np.ndarray) -> bytes:
    count, rows, cols = images.shape
    return struct.pack(">IIII", IMAGES_MAGIC, count, rows, cols) + images.astype(np.uint8).tobytes()


def encode_labels(labels: np.ndarray) -> bytes:
    return struct.pack(">II", LABELS_MAGIC, len(labels)) + labels.astype(np.uint8).tobytes()


def decode(data: bytes) -> np.ndarray:
    """Decode an IDX image or label file; raise ValueError when the bytes do not add up."""
    if len(data) < 8:
        raise ValueError("too short to be an IDX file")
    magic, count = struct.unpack(">II", data[:8])
    shape: tuple[int, ...]
    if magic == LABELS_MAGIC:
        shape, offset = (count,), 8
    elif magic == IMAGES_MAGIC:
        rows, cols = struct.unpack(">II", data[8:16])
        shape, offset = (count, rows, cols), 16
    else:
        raise ValueError(f"unknown IDX magic number {magic}")
    expected = offset + int(np.prod(shape))
    if len(data) != expected:
        raise ValueError(f"holds {len(data)} bytes, its header promises {expected}")
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(shape)
