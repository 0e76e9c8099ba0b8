"""Answering: from retrieved passages to a draft answer.

The offline answerer (feature scorer, trained sentence reader, their fitted combination,
short answers) and the LLM answerer, both returning a `Draft` whose sentences name the
evidence they rest on. Builds on language/, llm/ and retrieval/; numbering citations and
checking them is checking/'s work.
"""
