"""News-aware cleaning: raw article text -> title, body, dateline and source.

Scraped news files carry a headline line, a dateline ("TEHRAN (Dispatches) --"),
teasers ("Read more: ..."), widgets and footers ("Powered by ...", "[wpResize]",
menus of `|`-separated links, copyright lines), lists of related headlines after the
story ends, repeated photo captions and, sometimes, a second story pasted under the
first. `clean_story_text` removes or lifts those out and returns one `CleanStory`
per story found. Everything it keeps is kept verbatim (quotes, apostrophes, dashes):
citations quote `Article.text`, so the text must read exactly like the source.

Rules are about the *shape* of lines (length, terminal punctuation, position,
well-known widget phrases), never about particular outlets or articles; their numbers
are in `newsrag.tuning.CleaningTuning`.

Deliberately left out: language models, boilerplate classifiers and HTML (see
`index/html_extract.py`; its output comes through here too), and any rewriting of
sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsrag.text import normalize, sentence_spans
from newsrag.tuning import CleaningTuning

_SPACE_RUN = re.compile(r"[ \t\f\v]+")
# C0/C1 control characters (not tab/newlines): invisible, and NUL breaks tools downstream.
# They reach here escaped inside JSON ("\u0000") or HTML ("&#1;"); they become spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_WS = re.compile(r"\s+")

# "TEHRAN (Dispatches) --", "BAGHDAD, Iraq (AP) —", "WASHINGTON -": an upper-case place,
# an optional region and agency, then a dash. The dash is required: a colon or nothing
# would also match ordinary sentences that start with an acronym.
_DATELINE = re.compile(
    r"""^(?P<dateline>
        [A-Z][A-Z'’.\-]+(?:\s+[A-Z][A-Z'’.\-]+)*          # PLACE, all capitals
        (?:,\s*[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){0,2})?  # , Region
        (?:\s*\([^()\n]{1,40}\))?                          # (Agency)
    )\s*(?:--|–|—|-)\s+(?=\S)""",
    re.VERBOSE,
)

# "- source : Tehrantimes", "Source: Reuters": a short outlet name on its own line.
_SOURCE_LINE = re.compile(r"^[-–—•*\s]*sources?\s*:\s*(?P<source>[^\s].{0,60})$", re.IGNORECASE)

_JUNK_PATTERNS = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # teasers pointing at other stories
        r"^(?:read more|read also|also read|see also|more on this(?: story)?|recommended(?: reading)?"
        r"|related(?: stories| articles| news| posts)?|you may also like|watch|listen)\s*[:：\-–—]",
        # widgets, footers, share buttons
        r"^powered by\b",
        r"%d bloggers like this",
        r"^(?:like|share|tweet|print|email)(?: this)?(?: (?:on|via) \w+)?\s*:?$",
        r"^(?:loading\.\.\.|advertisement|sponsored|click to share.*)$",
        r"^(?:tags|filed under|categories|share this article)\s*:",
        r"^(?:follow us on|subscribe to (?:our|the) newsletter|sign up for our)\b",
        # copyright lines
        r"^(?:©|\(c\)\s*\d{4}|copyright\b)",
        r"\ball rights reserved\b",
        # bracketed CMS shortcodes on their own line: [wpResize], [caption id="1"], [/caption]
        r"^\[/?[a-z][\w\-]*(?:\s+[^\]]*)?\]$",
    )
)


@dataclass(frozen=True)
class CleanStory:
    """One story cut out of a file: what `Article` needs besides ids and paths."""

    title: str
    text: str  # paragraphs joined with "\n", no leading/trailing whitespace
    dateline: str | None = None
    source: str | None = None


def _word_count(line: str) -> int:
    return len(line.split())


def _ends_sentence(line: str) -> bool:
    """True when the line ends like prose: . ! ? or … possibly inside closing quotes."""
    return bool(re.search(r"""[.!?…]["'”’)\]]*$""", line))


def _is_menu(line: str, rules: CleaningTuning) -> bool:
    """`| About Us | Privacy Policy | Contact |`: three or more short `|`-separated cells."""
    if line.count("|") < 2:
        return False
    cells = [c.strip() for c in line.split("|") if c.strip()]
    return len(cells) >= rules.menu_min_cells and all(_word_count(c) <= rules.menu_cell_max_words for c in cells)


def is_junk_line(line: str, rules: CleaningTuning = CleaningTuning()) -> bool:
    """A teaser, widget, footer, menu, copyright or shortcode line (never story text)."""
    if _is_menu(line, rules):
        return True
    # Long lines are prose even when they contain a phrase like "all rights reserved".
    if _word_count(line) > rules.junk_max_words:
        return False
    return any(p.search(line) for p in _JUNK_PATTERNS)


def looks_like_headline(line: str, rules: CleaningTuning = CleaningTuning(), *, max_words: int | None = None) -> bool:
    """A line that can stand as a title: short, no dateline, not ending like a sentence.

    "?" and "!" are allowed (question headlines); a final "." is not, except after a
    one-word abbreviation such as "Amb." inside a short line. `max_words` defaults to
    `rules.headline_max_words`.
    """
    if not line or _DATELINE.match(line) or is_junk_line(line, rules):
        return False
    if max_words is None:
        max_words = rules.headline_max_words
    if _word_count(line) > max_words or len(line) > rules.headline_max_chars:
        return False
    if line.endswith(".") and not re.search(r"\b[A-Z][a-z]{1,3}\.$", line):
        return False
    return line[0].isupper() or line[0].isdigit() or line[0] in "\"'“‘"


def _is_story_break(lines: list[str], i: int, story_start: int, rules: CleaningTuning) -> bool:
    """Does lines[i] start a second story pasted under the first?

    A headline-like line (5-16 words, no end punctuation, starting with a capital,
    at least a quarter of its words capitalised) that comes after at least two body
    paragraphs which end like prose, and is followed by a long paragraph and at least
    one more. Short subheads (< 5 words), captions and quotes (which end with
    punctuation) and teasers (removed earlier) therefore never split a story.
    """
    if i - story_start < 2 or i + 2 >= len(lines):
        return False
    line = lines[i]
    words = line.split()
    if not rules.story_break_min_words <= len(words) <= rules.story_break_max_words:
        return False
    if len(line) > rules.story_break_max_chars:
        return False
    if not (line[0].isupper() or line[0].isdigit()) or not line[-1].isalnum():
        return False
    capitalised = sum(1 for w in words if w[0].isupper() or w[0].isdigit())
    if capitalised / len(words) < rules.story_break_min_capitalised:
        return False
    if not _ends_sentence(lines[i - 1]):
        return False
    following = lines[i + 1]
    return _word_count(following) >= rules.story_break_min_following_words and _ends_sentence(following)


def split_dateline(paragraph: str) -> tuple[str | None, str]:
    """("TEHRAN (Dispatches)", rest) when the paragraph opens with a dateline.

    The dateline and its dash are removed from the body and kept in `Article.dateline`:
    a citation of the first sentence then reads "Iran has announced ..." rather than
    "TEHRAN (Dispatches) -- Iran has announced ...", the embedding and BM25 text of
    the first chunk are not diluted by agency names, and the UI still shows the
    dateline next to the title. Everything after the dash stays verbatim.
    """
    m = _DATELINE.match(paragraph)
    if not m:
        return None, paragraph
    return m.group("dateline").strip(), paragraph[m.end() :]


def derive_title(paragraph: str, max_chars: int = CleaningTuning.max_title_chars) -> str:
    """A title from the first sentence, shortened at a word boundary with "…"."""
    spans = sentence_spans(paragraph)
    sentence = spans[0].of(paragraph) if spans else paragraph.strip()
    if len(sentence) <= max_chars:
        return sentence.rstrip(".").rstrip() or sentence
    cut = sentence[: max_chars + 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else sentence[:max_chars]
    return cut.rstrip(" ,;:-–—") + "…"


def _dedupe_key(line: str) -> str:
    # ’ vs ', accents and case do not make a repeated caption a different line.
    return _WS.sub(" ", normalize(line)).strip()


def _normalise_lines(raw: str) -> list[str]:
    text = _CONTROL.sub(" ", raw.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_SPACE_RUN.sub(" ", ln).strip() for ln in text.split("\n"))
    return [ln for ln in lines if ln]


def _take_source(body: list[str], rules: CleaningTuning) -> tuple[str | None, list[str]]:
    """Lift a "Source: X" line out of the last few lines of the file."""
    for i in range(len(body) - 1, max(len(body) - 1 - rules.source_window_lines, -1), -1):
        m = _SOURCE_LINE.match(body[i])
        if m and _word_count(m.group("source")) <= rules.source_max_words:
            return m.group("source").strip(), body[:i] + body[i + 1 :]
    return None, body


def _drop_trailing_clutter(body: list[str], rules: CleaningTuning) -> list[str]:
    """Cut the tail of junk lines and related-story headlines after the story ends.

    The tail is the run of lines at the end that are junk or headline-like. It is cut
    when it holds a junk line or at least two headlines (a lone short last line with
    no footer around it may be the story's own last paragraph). One line always stays.
    """
    start = len(body)
    junk_seen = False
    headlines = 0
    while start > 1:
        line = body[start - 1]
        if is_junk_line(line, rules):
            junk_seen = True
        elif looks_like_headline(line, rules, max_words=rules.tail_headline_max_words) and not _ends_sentence(line):
            headlines += 1
        else:
            break
        start -= 1
    if junk_seen or headlines >= 2:
        return body[:start]
    return body


def clean_story_text(raw: str, *, title: str | None = None, split_stories: bool = True,
                     rules: CleaningTuning = CleaningTuning()) -> tuple[CleanStory, ...]:
    """Clean one file's (or record's) text into its stories; () when no body text is left.

    `title` is a title known from metadata (HTML, JSON, markdown heading); without it the
    first line is the title when it looks like a headline, else one is derived from the
    first sentence. `split_stories` allows cutting a file that holds several stories.
    """
    lines = _normalise_lines(raw)
    while lines and is_junk_line(lines[0], rules):  # a menu or widget line above the headline
        lines.pop(0)
    if title is None and len(lines) > 1 and looks_like_headline(lines[0], rules):
        title, lines = lines[0], lines[1:]
    title = _SPACE_RUN.sub(" ", _CONTROL.sub(" ", title)).strip() if title else None

    source, lines = _take_source(lines, rules)
    lines = _drop_trailing_clutter(lines, rules)
    seen = {_dedupe_key(title)} if title else set()
    body: list[str] = []
    for line in lines:
        key = _dedupe_key(line)
        if is_junk_line(line, rules) or key in seen:
            continue
        seen.add(key)
        body.append(line)

    starts = [0]
    if split_stories:
        for i in range(1, len(body)):
            if _is_story_break(body, i, starts[-1] + (0 if starts[-1] == 0 else 1), rules):
                starts.append(i)
    stories: list[CleanStory] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(body)
        part = body[start:end]
        story_title = title
        if n > 0:  # a later story opens with its own headline line
            story_title, part = part[0], part[1:]
        if not part:
            continue
        dateline, first = split_dateline(part[0])
        part = [first, *part[1:]] if first.strip() else part[1:]
        if not part:
            continue
        text = "\n".join(part).strip()
        stories.append(
            CleanStory(title=story_title or derive_title(part[0], rules.max_title_chars), text=text,
                       dateline=dateline, source=source)
        )
    return tuple(stories)
