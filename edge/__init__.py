"""edgecam's device runtime: the streaming loop and everything it needs.

Nothing under ``edge`` imports torch: a Raspberry Pi installs only OpenCV,
ONNX Runtime and NumPy.
"""
