"""What the MCP tools read besides answers: the passages a query retrieves, and the indexed articles.

`Library` is the seam (`AssistantService` has neither: the web page and the command line
never show raw passages or a filtered article list); `AssistantLibrary` is it over the
real `rag.assistant.Assistant`, through its public retriever and index reader, so the
`search` tool finds exactly the passages an answer would be drafted from and the
filters are matched by the one definition in `newsrag/filters.py`. Tests pass a fake.

Deliberately left out: answering (the assistant's) and reading an article's whole text
(a client quotes what the tools return; `newsrag.protocols.AssistantService.article` has it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from newsrag.types import ArticleFacet, Passage, SearchFilter
from rag.assistant import Assistant, clean_question


class Library(Protocol):
    def search(self, query: str, top_k: int, where: SearchFilter) -> Sequence[Passage]:
        """The top_k passages retrieval finds for `query` (best first); InputError for an unusable query."""
        ...

    def articles(self, where: SearchFilter) -> Sequence[ArticleFacet]:
        """Every indexed article the filter lets through (its facets, no text), in the index's order."""
        ...


class AssistantLibrary:
    """A `Library` over the assistant's own retriever and index reader."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def search(self, query: str, top_k: int, where: SearchFilter) -> Sequence[Passage]:
        settings = self.assistant.settings
        text = clean_question(query, settings.max_question_chars)
        return self.assistant.retriever.retrieve(text, top_k=top_k, where=where, mode=settings.retrieval_mode).passages

    def articles(self, where: SearchFilter) -> Sequence[ArticleFacet]:
        reader = self.assistant.reader
        allowed = reader.matching_articles(where)  # None: the filter lets every article through
        return [a for a in reader.article_facets() if allowed is None or a.id in allowed]
