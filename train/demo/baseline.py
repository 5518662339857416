"""The tutorial-style loop, kept only to measure against: what the project started from.

Haar on the full-size grey frame (scaleFactor 1.2, minNeighbors 5), LBPH on the
raw face crop, every digit through PyTorch one at a time, every frame.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from edgecam.edge.digits.reader import ink_map, ink_mask, mnist_crop
from edgecam.edge.digits.segment import ReaderSettings, digit_boxes
from edgecam.edge.faces.detect import HAAR_FOLDER
from edgecam.edge.faces.model_file import MODEL_FILE, load_lbph, read_metadata
from edgecam.edge.faces.recognizer import UNKNOWN
from edgecam.train.digits import nets as digit_nets
from edgecam.train.digits.training import load_checkpoint


class TutorialLoop:
    def __init__(self, faces_dir: Path | None, checkpoint: Path | None, roi: list[int] | None, threads: int = 1):
        torch.set_num_threads(threads)
        self.cascade = cv2.CascadeClassifier(str(Path(HAAR_FOLDER) / "haarcascade_frontalface_default.xml"))
        self.lbph = None
        self.names: dict[int, str] = {}
        if faces_dir:
            meta = read_metadata(faces_dir)
            self.lbph = load_lbph(Path(faces_dir) / MODEL_FILE)
            self.names = meta.names
            self.threshold = meta.threshold.distance
        self.model = None
        if checkpoint:
            state = load_checkpoint(checkpoint)
            self.model = digit_nets.build(state["arch"])
            self.model.load_state_dict(state["model_state"])
            self.model.eval()
        self.roi = roi

    def process(self, frame: np.ndarray, index: int) -> dict:
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        faces = []
        for x, y, w, h in self.cascade.detectMultiScale(grey, 1.2, 5):
            name = UNKNOWN
            if self.lbph is not None:
                label, distance = self.lbph.predict(cv2.resize(grey[y : y + h, x : x + w], (64, 64)))
                name = self.names.get(label, UNKNOWN) if distance <= self.threshold else UNKNOWN
            faces.append({"name": name, "box": [int(x), int(y), int(w), int(h)]})
            cv2.rectangle(frame, (x, y), (x + w, y + h), (0, 255, 0), 2)
        event = {"frame": index, "faces": faces}
        if self.model is not None:
            x, y, w, h = self.roi or (0, 0, frame.shape[1], frame.shape[0])
            roi = grey[y : y + h, x : x + w]
            ink = ink_map(roi)
            text = ""
            for box in digit_boxes(ink_mask(ink), roi.shape, ReaderSettings()):
                crop = torch.from_numpy(mnist_crop(ink, box)).float().div(255)
                with torch.no_grad():
                    scores = self.model(((crop - digit_nets.MNIST_MEAN) / digit_nets.MNIST_STD)[None, None])
                text += str(int(scores.argmax()))
            event["digits"] = {"text": text}
        return event
