"""Conversation starters drafted from the articles by general rules (rag/conversation_starters.py)."""

from __future__ import annotations

from rag.conversation_starters import example_questions


def test_example_questions_follow_general_rules(seed_articles):
    qs = example_questions(seed_articles, 6)
    assert "What was the September 19 deadline?" in qs
    assert len(set(qs)) == len(qs) <= 6
    rejected = example_questions(seed_articles, 4, answerable=lambda q: False)
    assert rejected == []
