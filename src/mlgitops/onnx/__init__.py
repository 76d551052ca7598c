"""ONNX: convert a trained pipeline, score with onnxruntime, check parity and latency.

Modules import skl2onnx and onnxruntime inside functions, so importing this package is cheap.
"""
