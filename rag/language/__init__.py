"""Language: what the read side knows of English news text, shared by every stage above it.

The anchors that make a sentence specific (dates, numbers, names) and question kinds, the
cited-answer text format (sentences with `[n]` markers), and refusals in plain English.
Builds on nothing else in rag/; no models, no retrieval.
"""
