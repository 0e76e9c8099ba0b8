"""How well `pdf_articles` reads multi-column news PDFs: sentences whole and in order.

For each case in `evals/pdf_layout/cases.jsonl` (`pdf`, `reference`: the publisher's own text of
the same issue, `format`: "latex" for a LaTeX source, or "text") the PDF is read with
`index.formats.pdf.pdf_articles` (all its parts, titles included, in part order) and the
reference is split into sentences (`newsrag.text.sentence_spans`). Reported per PDF and overall:

- whole: the share of reference sentences found whole in the extraction, both sides compared
  as lower-case letters and digits only (whitespace, hyphenation, quotes and dashes normalised);
- in order: of consecutive found sentences (in reference order), the share whose first
  occurrences come in the same order in the extraction;
- seconds per MB of `pdf_articles`;
- the same two shares for pdfminer's own `extract_text` (its default layout analysis and box
  order, no header or hyphenation handling): the baseline the kept extractor is measured against.

A LaTeX reference is reduced to its prose: comments, headings and markup commands removed,
logos and the few text macros these newsletters use spelled out; a sentence that still holds
markup afterwards (math, verbatim code, unusual macros) is not scored, and the count of scored
sentences is reported. Deliberately left out: any judgement of titles, parts or cleaning.

Run: `.venv/bin/python -m evals.pdf_layout` (prints a table, writes `evals/pdf_layout/report.md`).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from index.formats.pdf import pdf_articles
from newsrag.text import sentence_spans

HERE = Path(__file__).parent / "pdf_layout"
_MIN_WORDS = 4  # shorter "sentences" (list items, "Enjoy!") are too common to show order or wholeness

_LATEX_WORDS = {r"\LaTeXe": "LaTeX 2ε", r"\LaTeX": "LaTeX", r"\TeX": "TeX", r"\XeTeX": "XeTeX", r"\LuaTeX": "LuaTeX",
                r"\pdfTeX": "pdfTeX", r"\eTeX": "ε-TeX", r"\ConTeXt": "ConTeXt", r"\BibTeX": "BibTeX",
                r"\AmS": "AMS", r"\LaTeXNews": "LaTeX News", r"\ldots": "...", r"\dots": "...", r"\&": "&",
                r"\%": "%", r"\_": "_", r"\@": "", r"\ ": " ", r"\,": " ", r"\/": ""}  # fmt: skip
_TEXT_MACROS = r"\\(?:emph|textit|textbf|textsc|texttt|textsf|package|pkg|cls|env|file|option|opt|url|href\{[^}]*\}|" \
               r"tn|fn|meta|textup|mbox|hologo|foreignlanguage\{[^}]*\})\s*\{([^{}]*)\}"


@dataclass(frozen=True)
class CaseResult:
    name: str
    sentences: int  # reference sentences scored
    whole: int
    pairs: int
    ordered: int
    seconds: float
    megabytes: float
    base_whole: int = 0  # pdfminer.high_level.extract_text, the same scoring
    base_ordered: int = 0
    base_pairs: int = 0


def latex_prose(source: str) -> str:
    """A LaTeX newsletter's prose: paragraphs of text without headings, comments or markup."""
    text = re.sub(r"(?<!\\)%.*", "", source)
    text = re.sub(r"\\begin\{document\}", "", text.split(r"\begin{document}", 1)[-1]).split(r"\end{document}")[0]
    text = re.sub(r"\\begin\{(verbatim|verbatim\*|lstlisting|codeexample|decl|table|figure)\}.*?\\end\{\1\}", "\n\n",
                  text, flags=re.S)
    text = re.sub(r"\\(?:sub)*section\*?\{(?:[^{}]|\{[^{}]*\})*\}|\\(?:maketitle|item(?:\[[^]]*\])?|"
                  r"(?:begin|end)\{[^}]*\}(?:\[[^]]*\])?)", "\n\n", text)
    for _ in range(3):  # nested: \emph{\package{x}}
        text = re.sub(_TEXT_MACROS, r"\1", text)
    for macro, word in sorted(_LATEX_WORDS.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(re.escape(macro) + r"(?![A-Za-z])(?:\{\})?", word.replace("\\", r"\\"), text)
    return (text.replace("~", " ").replace("---", "—").replace("--", "–").replace("``", "“")
            .replace("''", "”").replace("`", "‘"))


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[-\u2010\u00ad]", "", w) for w in re.split(r"[^a-z0-9\-\u2010\u00ad]+", text.lower()) if w)


def reference_sentences(text: str, latex: bool) -> list[str]:
    out = []
    for para in re.split(r"\n\s*\n", latex_prose(text) if latex else text):
        para = " ".join(para.split())
        for span in sentence_spans(para):
            sentence = span.of(para)
            if latex and re.search(r"[\\{}$^]", sentence):
                continue  # markup left over: not what the PDF shows
            if len(sentence.split()) >= _MIN_WORDS:
                out.append(sentence)
    return out


def _found(extracted: str, sentences: list[str]) -> tuple[int, int, int]:
    """(sentences found whole, consecutive found pairs, pairs in order)."""
    text = " " + _norm(extracted) + " "
    positions = [at for at in (text.find(" " + _norm(s) + " ") for s in sentences) if at >= 0]
    pairs = list(zip(positions, positions[1:], strict=False))
    return len(positions), len(pairs), sum(1 for a, b in pairs if a < b)


def score(name: str, pdf: Path, reference: str, latex: bool) -> CaseResult:
    from pdfminer.high_level import extract_text

    data = pdf.read_bytes()
    start = time.perf_counter()
    parsed = pdf_articles(pdf, data)
    seconds = time.perf_counter() - start
    sentences = reference_sentences(reference, latex)
    whole, pairs, ordered = _found("\n".join(f"{a.title}\n{a.text}" for a in parsed.articles), sentences)
    base_whole, base_pairs, base_ordered = _found(extract_text(str(pdf)), sentences)
    return CaseResult(name, len(sentences), whole, pairs, ordered, seconds, len(data) / 1_000_000,
                      base_whole, base_ordered, base_pairs)


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "n/a"


def report(results: list[CaseResult]) -> str:
    rows = ["| PDF | sentences | whole | in order | s/MB | pdfminer extract_text: whole | in order |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    fields = ("sentences", "whole", "pairs", "ordered", "seconds", "megabytes", "base_whole", "base_ordered",
              "base_pairs")
    total = CaseResult("**all**", *(sum(getattr(r, f) for r in results) for f in fields))
    for r in [*results, total]:
        rows.append(f"| {r.name} | {r.sentences} | {_pct(r.whole, r.sentences)} | {_pct(r.ordered, r.pairs)} "
                    f"| {r.seconds / r.megabytes:.2f} | {_pct(r.base_whole, r.sentences)} "
                    f"| {_pct(r.base_ordered, r.base_pairs)} |")
    return "\n".join(rows)


def main() -> None:
    results = []
    for line in (HERE / "cases.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            reference = (HERE / case["reference"]).read_text(encoding="utf-8")
            results.append(score(case["pdf"], HERE / case["pdf"], reference, case.get("format") == "latex"))
    table = report(results)
    print(table)
    (HERE / "report.md").write_text(
        "# PDF layout: sentences whole and in order\n\n"
        f"{len(results)} real two-column newsletters (LaTeX News, LaTeX3 News; see SOURCE.md), each checked "
        "against the publisher's own LaTeX source. Made by `.venv/bin/python -m evals.pdf_layout`; s/MB is the "
        "time `pdf_articles` took per MB of PDF on the machine that ran it.\n\n" + table + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
