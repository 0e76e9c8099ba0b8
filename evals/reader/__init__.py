"""Training the reader (rag/answering/sentence_reader.py): its training groups, the training loop, the ONNX export."""
