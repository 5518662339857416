"""Camera effects the face benchmark is measured through and nothing else ever sees.

Training and calibration degrade faces with their own family
(``edgecam.train.faces.camera``: exposure gain, Gaussian blur, Gaussian noise,
pyramid down-sampling, WebP). This family shares none of its operations: JPEG,
motion blur along a line, a defocus disk, a low-resolution sensor scaled up,
tone curves with clipping, row noise and a Bayer mosaic with shot noise.
``tests/test_face_split.py`` fails if that ever stops being true, so a figure
measured through these effects is one no limit was calibrated on.

Every effect takes and returns a grey uint8 frame and draws its strength from ``rng``.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

Effect = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def jpeg(quality: int) -> Effect:
    """An MJPEG webcam's compression at ``quality``: 8x8 blocks, ringing, lost texture."""

    def effect(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
        assert ok
        return cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)

    return effect


def motion_blur(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A person walking or the camera shaken: a line kernel 5-11 px long in any direction."""
    length = int(rng.integers(5, 12))
    angle = rng.uniform(0, np.pi)
    size = length + 2
    kernel = np.zeros((size, size), np.float32)
    centre = (size - 1) / 2
    for t in np.linspace(-(length - 1) / 2, (length - 1) / 2, length * 4):
        kernel[round(centre + t * np.sin(angle)), round(centre + t * np.cos(angle))] += 1
    return cv2.filter2D(frame, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REFLECT)


def defocus(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A lens focused elsewhere: a uniform disk 2-4 px in radius (not a Gaussian)."""
    radius = rng.uniform(2.0, 4.0)
    size = 2 * int(np.ceil(radius)) + 1
    yy, xx = np.mgrid[:size, :size] - size // 2
    kernel = (xx**2 + yy**2 <= radius**2).astype(np.float32)
    return cv2.filter2D(frame, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REFLECT)


def low_resolution(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A 320x240 sensor mode scaled up to the frame by the driver (bilinear)."""
    small = cv2.resize(frame, (320, 240), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (frame.shape[1], frame.shape[0]), interpolation=cv2.INTER_LINEAR)


def _tone(frame: np.ndarray, exposure: float, gamma: float) -> np.ndarray:
    levels = np.arange(256, dtype=np.float64) / 255
    curve = np.clip(255 * np.clip(levels * exposure, 0, 1) ** gamma, 0, 255).astype(np.uint8)
    return cv2.LUT(frame, curve)


def dark(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A dim room through a dark tone curve: exposure 0.35-0.6, gamma 1.3-1.8."""
    return _tone(frame, rng.uniform(0.35, 0.6), rng.uniform(1.3, 1.8))


def over_exposed(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Backlight compensation gone too far: exposure 1.5-2.2 (the bright side clips), gamma 0.7-0.9."""
    return _tone(frame, rng.uniform(1.5, 2.2), rng.uniform(0.7, 0.9))


def row_noise(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A rolling-shutter sensor's read-out: every row offset by its own amount (heavy-tailed, 1.5-4
    levels), over shot noise at 2-6 photo-electrons per grey level (about 5 levels at mid grey)."""
    rows = rng.laplace(0, rng.uniform(1.5, 4), (frame.shape[0], 1))
    electrons = rng.uniform(2, 6)
    shot = rng.poisson(frame.astype(np.float64) * electrons) / electrons - frame
    return np.clip(frame + rows + shot, 0, 255).astype(np.uint8)


def bayer_noise(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A colour sensor in poor light: each photosite of an RGGB mosaic with its own shot noise,
    demosaiced, then made grey as the loop does."""
    electrons = rng.uniform(0.5, 1.5)  # photo-electrons per grey level in poor light: 8-14 levels at mid grey
    gains = rng.uniform(0.8, 1.2, 3)  # white balance: each channel's own sensitivity
    mosaic = np.empty(frame.shape, np.float64)
    level = frame.astype(np.float64)
    mosaic[0::2, 0::2] = level[0::2, 0::2] * gains[0]
    mosaic[0::2, 1::2] = level[0::2, 1::2] * gains[1]
    mosaic[1::2, 0::2] = level[1::2, 0::2] * gains[1]
    mosaic[1::2, 1::2] = level[1::2, 1::2] * gains[2]
    noisy = rng.poisson(mosaic * electrons) / electrons
    colour = cv2.cvtColor(np.clip(noisy, 0, 255).astype(np.uint8), cv2.COLOR_BayerRG2BGR)
    return cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)


def chain(*effects: Effect) -> Effect:
    def effect(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        for one in effects:
            frame = one(frame, rng)
        return frame

    return effect


def clean(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return frame


# One row of the benchmark's table each. The combined rows are the chains a cheap camera really
# stacks: a soft low-resolution picture compressed, a walking person in a dim room.
CONDITIONS: dict[str, Effect] = {
    "clean": clean,
    "jpeg-70": jpeg(70),
    "jpeg-50": jpeg(50),
    "jpeg-30": jpeg(30),
    "motion-blur": motion_blur,
    "defocus": defocus,
    "low-res-320x240": low_resolution,
    "dark": dark,
    "over-exposed": over_exposed,
    "row-noise": row_noise,
    "bayer-noise": bayer_noise,
    "low-res+jpeg-50": chain(low_resolution, jpeg(50)),
    "motion-blur+jpeg-30": chain(motion_blur, jpeg(30)),
    "dark+bayer-noise+jpeg-70": chain(dark, bayer_noise, jpeg(70)),
    "defocus+over-exposed+row-noise": chain(defocus, over_exposed, row_noise),
}
