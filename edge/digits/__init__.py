"""Reading the handwritten digits in the region of interest with the ONNX model."""
