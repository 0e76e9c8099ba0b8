"""LLM: the optional chat model and every prompt sent to it.

Adapters for an OpenAI-compatible server or an in-process llama.cpp model, and the named
prompts. Builds on nothing else in rag/; the stages that use an LLM (answering, jobs, the
follow-up rewriter) import it, and the product never needs it.
"""
