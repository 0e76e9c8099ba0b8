"""The LLM summary: the model rewrites the extractive summary's sentences into its own cited ones.

Given the `JobDraft` of an extractive summary (`rag/jobs/extractive_summary.py`), the model is shown the
same passages, narrowed to the sentences the summary quoted (the prompts are in
`rag/llm/prompts.py`), and its answer is parsed like any LLM answer (`rag.answering.llm_answerer.parse_answer`):
sentences with passage citations, which the assistant locates and checks. When the model
fails, refuses, or none of its sentences is supported, the assistant keeps the extractive one.

Deliberately left out: choosing what to summarise (the extractive job did) and retries.
"""

from __future__ import annotations

from newsrag.protocols import ChatModel
from newsrag.tuning import AnsweringTuning
from rag.answering.llm_answerer import parse_answer
from rag.jobs.job_draft import JobDraft
from rag.llm.prompts import SUMMARY_SYSTEM_PROMPT, render_summary_prompt


def llm_summary(model: ChatModel, request: str, job: JobDraft,
                max_passage_chars: int = AnsweringTuning.llm_max_passage_chars) -> JobDraft:
    """The same job with the model's sentences (no evidence spans: the checker locates them)."""
    evidence: dict[int, list[str]] = {}
    for s in job.draft.sentences:
        for n in s.cites:
            evidence.setdefault(n, []).append(s.text)
    prompt = render_summary_prompt(request, job.heading or "", job.passages, max_passage_chars, evidence)
    text = "".join(model.stream(SUMMARY_SYSTEM_PROMPT, prompt))
    draft = parse_answer(text, len(job.passages), model_name=model.name)
    return JobDraft(job.kind, draft, job.passages, job.heading, "prose")
