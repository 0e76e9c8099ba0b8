"""Research: what a news researcher needs beside an answer.

Dates resolved and other copies of each cited story (provenance), the timeline, and
sources that disagree (pair features, the fitted rules detector, the optional NLI one, and
the disputed claims an answer meets). Builds on language/, retrieval/, answering/ and
checking/.
"""
