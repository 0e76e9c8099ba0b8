"""Training the reader (rag/sentence_reader.py): its training groups, the training loop, the ONNX export."""
