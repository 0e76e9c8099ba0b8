"""Rewrite a follow-up question into a standalone one with a ChatModel.

"What about its deadline?" after a turn about Iraq's Kurdistan region becomes "What
was the deadline for the Kurdistan Regional Government?", which retrieval can use.
Model failures raise `BackendError` (the caller falls back to the offline condenser);
garbage output (empty, a paragraph, an answer instead of a question) yields the
original question, because searching for the user's own words is never worse than
searching for a model's babble.

Deliberately left out: the offline condenser (rag-core owns it) and any caching.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsrag.protocols import ChatModel
from newsrag.tuning import ConversationTuning
from newsrag.types import Turn
from rag.llm.prompts import CONDENSE_SYSTEM_PROMPT, render_condense_prompt

_PREFIXES = re.compile(r"^\s*(?:standalone question|rewritten question|question)\s*:\s*", re.I)


def _clean(output: str) -> str:
    lines = [ln.strip() for ln in output.strip().splitlines() if ln.strip()]
    if not lines:
        return ""
    text = _PREFIXES.sub("", lines[0]).strip().strip('"“”\'').strip()
    return text


def condense_with_llm(model: ChatModel, history: Sequence[Turn], question: str,
                      tuning: ConversationTuning = ConversationTuning()) -> str:
    """A standalone version of `question`; unchanged when there is no history.

    Raises BackendError when the model fails; returns `question` when its output is unusable.
    """
    if not history:
        return question
    prompt = render_condense_prompt(list(history)[-tuning.llm_history_turns:], question, tuning.llm_answer_chars)
    rewritten = _clean(model.complete(CONDENSE_SYSTEM_PROMPT, prompt))
    limit = max(tuning.llm_rewrite_floor_chars, tuning.llm_rewrite_length_factor * len(question))
    if len(rewritten) < 3 or len(rewritten) > limit or not re.search(r"[^\W\d_]", rewritten):
        return question
    return rewritten
