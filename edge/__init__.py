"""edgecam's device runtime: the streaming loop and everything it needs.

Nothing under ``edge`` imports torch: a Raspberry Pi installs only OpenCV,
ONNX Runtime and NumPy.
"""

__version__ = "0.1.0"
