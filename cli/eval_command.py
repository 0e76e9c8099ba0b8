"""`newsrag eval`: a question set through the configurations, scored, with a report.

The evaluation flags are defined here and nowhere else; `evals.runner.run_eval_command`
does the run from the `EvalRequest` they make.

Deliberately left out: evaluating (`evals/runner.py`) and drafting questions (`evals/generate.py`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.options import add_answering, add_index_location, settings_from


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("eval", help="run the evaluation suite and write reports")
    group = p.add_argument_group("evaluation")
    group.add_argument("--questions", type=Path,
                       help="question set (JSONL, see evals/FORMAT.md); default: the curated seeds set")
    group.add_argument("--articles", type=Path, help="articles the questions are about (default: seeds/)")
    group.add_argument("--config", action="append", metavar="NAME",
                       help="configuration to run (repeatable): llamaindex-baseline, dense, hybrid, "
                            "hybrid+offline, llm; default: all available")
    group.add_argument("--out", type=Path,
                       help="folder for report.json, report.md and plots (default: reports/eval-<time>)")
    group.add_argument("--judge", action="store_true", help="also grade answers with the configured LLM")
    group.add_argument("--include-drafts", action="store_true", help="allow machine-drafted questions")
    group.add_argument("--generate", type=Path,
                       help="write draft questions (from --articles, else the index) to this file and exit")
    add_index_location(p)
    add_answering(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from evals.runner import EvalRequest, run_eval_command

    request = EvalRequest(
        questions=args.questions, articles=args.articles, configs=tuple(args.config or ()), out=args.out,
        judge=args.judge, include_drafts=args.include_drafts, generate=args.generate,
    )
    return run_eval_command(request, settings_from(args))
