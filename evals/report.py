"""Evaluation results and how they are written: report.json, report.md and PNG plots.

Article text reaches the report (expected answers, answers, cited passages), and an
article may be hostile: every such string is HTML-escaped, has Markdown syntax
backslash-escaped, and has its links defanged, so the report renders it as inert text.
report.json keeps the exact strings but writes `<`, `>` and `&` as JSON unicode escapes.

Deliberately left out: computing metrics (`evals/metrics.py`) and running configurations
(`evals/runner.py`). Plots use matplotlib's object API with the Agg canvas, so no global
pyplot state or display is touched.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from evals.configs import EvalConfig
from evals.metrics import MetricSummary, QuestionScore
from newsrag.types import to_jsonable

MAX_FAILURE_ROWS = 40
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!|~])")
_URL_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):(//)")
_WWW = re.compile(r"(?i)\bwww\.")

# (field in MetricSummary, column label, higher is better)
METRIC_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("hit_at_1", "hit@1", True), ("hit_at_5", "hit@5", True), ("mrr", "MRR", True),
    ("ndcg_at_10", "nDCG@10", True), ("answer_accuracy", "accuracy", True), ("token_f1", "token F1", True),
    ("citation_precision", "cit. precision", True), ("citation_recall", "cit. recall", True),
    ("faithfulness", "faithfulness", True), ("refusal_precision", "refusal P", True),
    ("refusal_recall", "refusal R", True), ("false_refusal_rate", "false refusals", False),
    ("latency_p50_ms", "p50 ms", False), ("latency_p95_ms", "p95 ms", False),
)
JUDGE_COLUMNS = (("judge_correctness", "judge correct"), ("judge_faithfulness", "judge faithful"))


@dataclass(frozen=True)
class ConfigResult:
    config: EvalConfig
    summary: MetricSummary
    scores: tuple[QuestionScore, ...]
    seconds: float = 0.0
    note: str = ""  # e.g. why a configuration produced no answers


@dataclass(frozen=True)
class EvalReport:
    questions_path: str
    articles: str
    composition: tuple[tuple[str, int], ...]  # (category, count)
    results: tuple[ConfigResult, ...]
    created: str  # ISO timestamp
    index_seconds: float = 0.0
    notes: tuple[str, ...] = ()  # e.g. file problems, evidence not found verbatim
    files: tuple[str, ...] = ()  # what write_report wrote

    def result(self, name: str) -> ConfigResult:
        for r in self.results:
            if r.config.name == name:
                return r
        raise KeyError(name)


def inert(text: str, limit: int = 240) -> str:
    """Text from articles made safe for a Markdown table cell: one line, no markup, no links.

    >>> print(inert('<img src=x onerror=alert(1)> **hi** | [x](http://evil.example)'))
    &lt;img src=x onerror=alert\\(1\\)&gt; \\*\\*hi\\*\\* \\| \\[x\\]\\(http\\[:\\]//evil.example\\)
    """
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = html.escape(text, quote=False)
    text = _URL_SCHEME.sub(r"\1[:]\2", text)
    text = _WWW.sub("www[.]", text)
    return _MD_SPECIAL.sub(r"\\\1", text)


_JSON_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def inert_json(value: object) -> str:
    """JSON that loads back to exactly `value` but holds no raw `<`, `>`, `&` or JS line breaks,
    so it stays data even when a page embeds or mis-serves it (what Django's json_script does)."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_UNSAFE[m.group()], text)  # these occur only in strings


def fmt(value: float | None, field: str = "") -> str:
    if value is None:
        return "n/a"
    if field.endswith("_ms"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def _comparison_table(report: EvalReport) -> list[str]:
    cols = list(METRIC_COLUMNS)
    judged = any(r.summary.judge_correctness is not None or r.summary.judge_failures for r in report.results)
    extra = [(f, label, True) for f, label in JUDGE_COLUMNS] if judged else []
    head = ["configuration"] + [label for _, label, _ in cols + extra]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in report.results:
        row = [inert(r.config.name)] + [fmt(getattr(r.summary, f), f) for f, _, _ in cols + extra]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _config_section(result: ConfigResult) -> list[str]:
    s = result.summary
    lines = [f"## {inert(result.config.name)}", "", inert(result.config.description, 400), ""]
    if result.note:
        lines += [f"Note: {inert(result.note, 400)}", ""]
    lines += ["| metric | value |", "|---|---|"]
    lines += [f"| questions (answerable / unanswerable) | {s.questions} ({s.answerable} / {s.unanswerable}) |"]
    for field, label, _ in METRIC_COLUMNS:
        lines.append(f"| {label} | {fmt(getattr(s, field), field)} |")
    if s.judge_correctness is not None or s.judge_failures:
        for field, label in JUDGE_COLUMNS:
            lines.append(f"| {label} | {fmt(getattr(s, field))} |")
        lines.append(f"| judge failures (counted, not dropped) | {s.judge_failures} |")
    lines += [f"| errors | {s.errors} |", f"| seconds | {result.seconds:.1f} |", ""]
    failures = [q for q in result.scores if q.failed]
    lines.append(f"### Failures ({len(failures)})")
    lines.append("")
    if failures:
        lines += ["| id | question | expected | got | cited passage |", "|---|---|---|---|---|"]
        for q in failures[:MAX_FAILURE_ROWS]:
            got = q.got if q.answered else f"top passages relevant: {list(q.relevance[:5])}"
            if q.error:
                got = f"error: {q.error}"
            lines.append(f"| {inert(q.item_id, 60)} | {inert(q.question)} | {inert(q.expected)} | "
                         f"{inert(got)} | {inert(q.cited_passage)} |")
        if len(failures) > MAX_FAILURE_ROWS:
            lines.append(f"\n... {len(failures) - MAX_FAILURE_ROWS} more in report.json")
    lines.append("")
    return lines


def render_markdown(report: EvalReport, plots: tuple[str, ...] = ()) -> str:
    comp = ", ".join(f"{inert(k)}: {v}" for k, v in report.composition)
    lines = [
        "# newsrag evaluation", "",
        f"- questions: {inert(Path(report.questions_path).name, 120)} ({comp})",
        f"- articles: {inert(report.articles, 200)}",
        f"- created: {inert(report.created)}; index built in {report.index_seconds:.1f} s",
        *[f"- note: {inert(n, 400)}" for n in report.notes], "",
        "Metrics: hit@k / MRR / nDCG@10 over answerable questions (relevant = passage contains a gold "
        "evidence string or covers half its offsets); accuracy = an accepted answer occurs in the answer "
        "(normalised); token F1 = SQuAD F1 vs the best accepted answer; citation precision = cited passages "
        "holding gold evidence or passing the support check; citation recall = answer sentences that cite "
        "and pass the check; faithfulness = answer sentences passing the check; refusal P/R against "
        "unanswerable questions; n/a = not measured or undefined.", "",
        "## Comparison", "",
        *_comparison_table(report), "",
    ]
    lines += [f"![{inert(Path(p).stem)}]({Path(p).name})" for p in plots]
    lines.append("")
    for result in report.results:
        lines += _config_section(result)
    return "\n".join(lines)


def _plot_metrics(report: EvalReport, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fields = [(f, label) for f, label, _ in METRIC_COLUMNS if not f.endswith("_ms")]
    fig = Figure(figsize=(12, 4.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(report.results))
    for n, result in enumerate(report.results):
        values = [getattr(result.summary, f) for f, _ in fields]
        xs = [i + n * width for i in range(len(fields))]
        ax.bar(xs, [v if v is not None else 0.0 for v in values], width, label=result.config.name)
    ax.set_xticks([i + width * (len(report.results) - 1) / 2 for i in range(len(fields))])
    ax.set_xticklabels([label for _, label in fields], rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("score (missing bars: n/a)")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _plot_latency(report: EvalReport, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    series = [(r.config.name, [q.latency_ms for q in r.scores if q.latency_ms is not None]) for r in report.results]
    series = [(name, vals) for name, vals in series if vals]
    fig = Figure(figsize=(8, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if series:
        ax.boxplot([vals for _, vals in series], tick_labels=[name for name, _ in series], showfliers=True)
    ax.set_ylabel("latency per question (ms)")
    ax.set_title("latency distribution")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def write_report(report: EvalReport, out_dir: Path | str) -> EvalReport:
    """Write report.json, report.md and the PNG plots into out_dir; returns the report with `files`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plots = (out / "metrics.png", out / "latency.png")
    _plot_metrics(report, plots[0])
    _plot_latency(report, plots[1])
    written = dataclasses.replace(report, files=tuple(str(p) for p in (out / "report.json", out / "report.md", *plots)))
    (out / "report.json").write_text(inert_json(to_jsonable(written)), encoding="utf-8")
    (out / "report.md").write_text(render_markdown(written, tuple(str(p) for p in plots)), encoding="utf-8")
    return written
