"""Checking: does each cited passage really say what its sentence says?

Numbering an answer's citations, the support checker (anchors, role reversal, the optional
NLI model) and the one loader of that model. Builds on language/ and answering/ (for the
Draft it checks).
"""
