"""edgecam: name faces and read handwritten digits from a camera, on a small machine.

One import package over the repository's four folders (pyproject.toml maps them):
``edgecam.edge`` the device runtime (never imports torch), ``edgecam.train`` the
digit CNN and the face model, ``edgecam.export`` the CNN to ONNX, and
``edgecam.calibration`` the camera intrinsics and the region of interest.
``edgecam.cli`` is the ``edgecam`` command that mounts all four.
"""

__version__ = "0.1.0"  # the one place: pyproject.toml reads it, --version and /metrics print it
