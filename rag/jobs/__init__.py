"""Jobs: everything the assistant does besides answering a news question.

Recognising the intent of an utterance, then greeting, small talk, describing the
collection, listing articles and summarising, each handing back a `JobDraft` of quoted
sentences. Builds on language/, llm/, retrieval/ and answering/.
"""
