"""Retrieval: from a question to the passages worth reading.

Hybrid search (dense through the IndexReader fused with the BM25 index `index/` stored),
near-duplicate removal, the optional reranker, and the sentence spans and vectors of what
was retrieved. Builds on nothing else in rag/; it never reads, answers or checks.
"""
