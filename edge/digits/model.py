"""Run the digit CNN on the device: ONNX Runtime, preprocessing read from the model itself.

The ONNX file carries its normalisation, labels and input size as metadata
(written by ``edgecam export onnx``), so the device never guesses them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort

from edgecam.edge.errors import DataError, MissingInput

FORMAT = "edgecam-digits-onnx/1"
REQUIRED_METADATA = ("edgecam_format", "mean", "std", "labels", "input_size")


def session_options(threads: int) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options


class DigitModel:
    """Classify batches of 28x28 digit crops (bright ink on black, MNIST's polarity)."""

    def __init__(self, path: str | Path, threads: int = 1):
        self.path = Path(path)
        if not self.path.is_file():
            raise MissingInput(f"No digit model at {self.path}; make one with 'edgecam export onnx'.")
        try:
            self.session = ort.InferenceSession(
                str(self.path), session_options(threads), providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own exception types for bad files
            raise DataError(f"{self.path} is not a loadable ONNX model ({_first_line(error)}).") from error
        self.metadata = dict(self.session.get_modelmeta().custom_metadata_map)
        self._check_interface()
        self.mean, self.std = self._number("mean"), self._number("std")
        if not 0 <= self.mean < 1 or not 0 < self.std <= 1:
            raise DataError(
                f"{self.path} says pixels are normalised with mean {self.mean} and std {self.std}; "
                "a digit model's are between 0 and 1 (std above 0): export it again with 'edgecam export onnx'."
            )
        # Calibration (temperature scaling, fitted at export): probabilities that mean what they say.
        self.temperature = self._number("temperature") if "temperature" in self.metadata else np.float32(1.0)
        if not 0.05 <= self.temperature <= 20:
            raise DataError(
                f"{self.path} has temperature {self.temperature}; export it again with 'edgecam export onnx'."
            )
        self.labels = self.metadata["labels"].split(",")
        if len(self.labels) != 10:
            raise DataError(f"{self.path} names {len(self.labels)} labels; a digit model has ten (0-9).")
        self.input_name = self.session.get_inputs()[0].name
        # A model exported with a fixed batch of one reads its digits one at a time.
        batch = self.session.get_inputs()[0].shape[0]
        self.batch_limit = batch if isinstance(batch, int) and batch > 0 else None

    def _check_interface(self) -> None:
        missing = [key for key in REQUIRED_METADATA if key not in self.metadata]
        if missing or self.metadata.get("edgecam_format") != FORMAT:
            raise DataError(
                f"{self.path} is not an edgecam digit model (metadata {', '.join(missing) or 'edgecam_format'} "
                "missing); export it with 'edgecam export onnx'."
            )
        inputs, outputs = self.session.get_inputs(), self.session.get_outputs()
        shape_in = inputs[0].shape[1:] if len(inputs) == 1 else None
        shape_out = outputs[0].shape[1:] if len(outputs) == 1 else None
        if shape_in != [1, 28, 28] or shape_out != [10] or inputs[0].type != "tensor(float)":
            raise DataError(
                f"{self.path} takes {[i.shape for i in inputs]} and gives {[o.shape for o in outputs]}; "
                "a digit model takes N x 1 x 28 x 28 floats and gives N x 10 scores."
            )

    def _number(self, key: str) -> np.float32:
        """A normalisation figure from the metadata (the first channel's)."""
        text = self.metadata[key].split(",")[0].strip()
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        with np.errstate(over="ignore"):
            number = np.float32(value)  # what the preprocessing computes with: 1e39 is no number there
        if not np.isfinite(number):
            raise DataError(f"{self.path} has metadata {key} = {text[:40]!r}, not a number; export it again.")
        return number

    def scores(self, batch: np.ndarray) -> np.ndarray:
        """Raw scores for a float32 batch already normalised, N x 1 x 28 x 28."""
        if self.batch_limit is None or len(batch) == self.batch_limit:
            return self.session.run(None, {self.input_name: batch})[0]
        step, parts = self.batch_limit, []
        for start in range(0, len(batch), step):
            chunk = batch[start : start + step]
            padded = np.concatenate([chunk, np.zeros((step - len(chunk), *chunk.shape[1:]), chunk.dtype)])
            parts.append(self.session.run(None, {self.input_name: padded})[0][: len(chunk)])
        return np.concatenate(parts)

    def logits(self, crops: np.ndarray) -> np.ndarray:
        """Raw scores (before calibration) for N crops of 28x28 pixels, uint8 (0-255) or float (0-1)."""
        crops = np.asarray(crops)
        if crops.ndim == 2:
            crops = crops[None]
        if len(crops) == 0:
            return np.zeros((0, 10), np.float32)
        pixels = crops.astype(np.float32)
        if crops.dtype == np.uint8:
            pixels *= np.float32(1 / 255)
        return self.scores(((pixels - self.mean) / self.std).reshape(len(crops), 1, 28, 28))

    def probabilities(self, crops: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of the ten digits for N crops (see ``logits``): N x 10."""
        return softmax(self.logits(crops) / self.temperature)

    def classify(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Digits and their calibrated probabilities for N crops (see ``logits``)."""
        probabilities = self.probabilities(crops)
        best = probabilities.argmax(axis=1)
        return best, probabilities[np.arange(len(best)), best]


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__
