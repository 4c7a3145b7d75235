"""Validation of untrusted ONNX files. `inspect.py` runs in a separate, resource-limited process
(`sandbox.py` starts it); nothing here trusts the file it reads."""
