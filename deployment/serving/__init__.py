"""Serving: the Open Inference Protocol (KServe V2) over ONNX Runtime sessions."""
