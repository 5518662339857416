"""Turn the trained digit CNN into a verified, self-describing ONNX model."""
