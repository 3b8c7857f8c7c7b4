"""Encoders other than the sentence-transformers one in embedding.py (which keeps the Embedder
interface): onnx.py runs the same model on ONNX Runtime, without torch."""
