"""Pure HTML for the side panels: "why this answer", the index status, upload reports.

Same rules as `ui/render.py` (whose helpers it uses): every untrusted string is escaped,
only the markup written here appears in the result.

Deliberately left out: Gradio; these are plain functions of frozen values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import PurePath

from index.article_files import formats_line
from newsrag.types import Answer, FileMessage, IndexReport, IndexStatus
from ui.escape import esc
from ui.render import error_html, file_label, snippet

# --------------------------------------------------------------------------- why this answer


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def why_html(answer: Answer | None) -> str:
    if answer is None:
        return '<div class="nr-empty">Ask a question to see what was searched and why.</div>'
    rows = "".join(
        "<tr>"
        f"<td>{p.rank}</td><td>{_score(p.score)}</td><td>{_score(p.dense_score)}</td>"
        f"<td>{_score(p.lexical_score)}</td><td>{_score(p.rerank_score)}</td>"
        f'<td><div class="nr-title">{esc(p.chunk.title)}</div>'
        f'<div class="nr-file">{esc(file_label(p.chunk.source_path))}</div>'
        f'<div class="nr-snippet">{esc(snippet(p.chunk.text))}</div></td>'
        "</tr>"
        for p in answer.passages
    )
    timings = " · ".join(
        f'<span class="nr-nowrap">{esc(t.stage)} {t.ms:.0f} ms</span>' for t in answer.timings
    ) or "–"
    notes = "".join(f"<li>{esc(n)}</li>" for n in answer.notes)
    return (
        '<div class="nr-why">'
        f'<div class="nr-kv"><span>Question</span><span>{esc(answer.question)}</span></div>'
        f'<div class="nr-kv"><span>Searched for</span><span class="nr-query">{esc(answer.query)}</span></div>'
        f'<div class="nr-kv"><span>Answerer</span><span>{esc(answer.answerer)}</span></div>'
        f'<div class="nr-kv"><span>Job</span><span class="nr-job">{esc(answer.kind)}</span></div>'
        f'<div class="nr-kv"><span>Verdict</span><span>{_verdict(answer)}</span></div>'
        f'<div class="nr-kv"><span>Timings</span><span>{timings}</span></div>'
        + (f'<div class="nr-section">Notes</div><ul class="nr-notes">{notes}</ul>' if notes else "")
        + '<div class="nr-section">Retrieved passages</div>'
        '<div class="nr-table-wrap"><table class="nr-table"><thead><tr>'
        "<th>#</th><th>score</th><th>dense</th><th>bm25</th><th>rerank</th><th>passage</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></div></div>"
    )


def _verdict(answer: Answer) -> str:
    if answer.refused:
        return "refused: the articles do not contain the answer"
    if not answer.sentences:
        return "nothing to check: the reply quotes no article"
    failed = sum(1 for s in answer.sentences if not s.check.supported)
    if failed:
        return f"{failed} of {len(answer.sentences)} sentences not supported"
    if len(answer.sentences) == 1:
        return "the sentence is supported by its citations"
    return f"all {len(answer.sentences)} sentences supported by their citations"


# --------------------------------------------------------------------------- index


def index_line_html(status: IndexStatus | None, problem: str | None = None) -> str:
    """One line under the page title saying what is indexed (the Index tab has the details)."""
    if status is None:
        return f'<p class="nr-index-line nr-error">{esc(problem or "No index yet.")}</p>'
    last = status.last_indexed.strftime("%Y-%m-%d %H:%M") if status.last_indexed else "never"
    plural = "" if status.articles == 1 else "s"
    return (f'<p class="nr-index-line"><span class="nr-count" data-articles="{status.articles}">{status.articles}'
            f"</span> article{plural} indexed ({status.chunks} passages), last indexed {esc(last)}</p>")


def status_html(status: IndexStatus | None, problem: str | None = None) -> str:
    if status is None:
        return error_html(problem or "No index yet.")
    last = status.last_indexed.strftime("%Y-%m-%d %H:%M:%S") if status.last_indexed else "never"
    items = "".join(
        f'<li><span class="nr-title">{esc(title)}</span> <span class="nr-file">{esc(article_id)}</span></li>'
        for article_id, title in status.article_titles
    )
    return (
        '<div class="nr-status">'
        f'<div class="nr-kv"><span>Articles</span><span class="nr-count" data-articles="{status.articles}">'
        f"{status.articles}</span></div>"
        f'<div class="nr-kv"><span>Chunks</span><span>{status.chunks}</span></div>'
        f'<div class="nr-kv"><span>Embedding model</span><span>{esc(status.embedding_model)}</span></div>'
        f'<div class="nr-kv"><span>Last indexed</span><span>{esc(last)}</span></div>'
        f'<div class="nr-kv"><span>Location</span><span class="nr-file">{esc(status.location)}</span></div>'
        f'<div class="nr-kv"><span>With a publication date</span><span>{status.dated_articles}</span></div>'
        + _groups_html(status)
        + (f'<div class="nr-section">Articles{_first_of(len(status.article_titles), status.articles)}</div>'
           f'<ol class="nr-articles">{items}</ol>' if items else "")
        + "</div>"
    )


def _first_of(listed: int, total: int) -> str:
    return f" (the first {listed} of {total})" if total > listed else ""


def _groups_html(status: IndexStatus) -> str:
    """The groups of republished copies index/ found, each member named once."""
    if not status.duplicate_groups:
        return '<div class="nr-kv"><span>Republished stories</span><span>none found</span></div>'
    titles = {**dict(status.article_titles), **dict(status.group_titles)}
    total = status.duplicate_group_count or len(status.duplicate_groups)
    groups = "".join(
        "<li><ul>" + "".join(f'<li>{"★ " if n == 0 else ""}{esc(titles.get(aid, aid))} '
                             f'<span class="nr-file">{esc(aid)}</span></li>' for n, aid in enumerate(g.article_ids))
        + "</ul></li>" for g in status.duplicate_groups)
    return (f'<div class="nr-kv"><span>Republished stories</span><span>{total} group'
            f'{"s" if total != 1 else ""}{_first_of(len(status.duplicate_groups), total)}</span></div>'
            f'<ol class="nr-groups">{groups}</ol>')


def problems_html(problems: Iterable[FileMessage]) -> str:
    """One line per refused file; server folders are cut from names and messages."""
    items = "".join(
        f'<li><span class="nr-file">{esc(file_label(p.path))}</span>: {esc(_without_folders(p))}</li>'
        for p in problems
    )
    return f'<ul class="nr-problems">{items}</ul>' if items else ""


def _without_folders(problem: FileMessage) -> str:
    folder = str(PurePath(problem.path).parent)
    if folder in ("", "."):
        return problem.message
    return problem.message.replace(folder.rstrip("/\\") + "/", "").replace(folder, "")


def report_html(report: IndexReport | None, problems: Sequence[FileMessage] = (), saved: Sequence[str] = ()) -> str:
    """What an upload did: files kept, index counts, and every file that was refused."""
    all_problems = list(problems) + (list(report.problems) if report else [])
    parts = ['<div class="nr-report">']
    if saved:
        parts.append(
            '<div class="nr-kv"><span>Received</span><span>'
            + ", ".join(f'<span class="nr-file">{esc(n)}</span>' for n in saved)
            + "</span></div>"
        )
    if report is not None:
        parts.append(
            f'<div class="nr-ok">Indexed: {report.added} added, {report.updated} updated, '
            f"{report.unchanged} unchanged, {report.removed} removed; "
            f"{report.chunks_embedded} chunks embedded in {report.seconds:.1f} s. "
            "New articles are searchable now.</div>"
        )
        if report.formats:
            parts.append(f'<div class="nr-kv nr-formats">{esc(formats_line(report.formats))}</div>')
    if all_problems:
        parts.append(
            f'<div class="nr-error" role="alert">{len(all_problems)} file'
            f"{'s' if len(all_problems) != 1 else ''} could not be used:</div>"
        )
        parts.append(problems_html(all_problems))
    if report is not None and report.notes:
        items = "".join(f'<li><span class="nr-file">{esc(file_label(n.path))}</span>: '
                        f'{esc(_without_folders(FileMessage(n.path, n.message)))}</li>' for n in report.notes)
        parts.append(f'<ul class="nr-notes">{items}</ul>')
    if report is None and not all_problems and not saved:
        parts.append('<div class="nr-empty">No files were given.</div>')
    parts.append("</div>")
    return "".join(parts)
