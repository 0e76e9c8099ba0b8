"""An e-mail body's own words: hard wrapping undone, quoted replies and signatures cut (`mail.py`).

The rules cut only what mail clients themselves write, each with its reason beside it:
plain-text quoting ("> "), the "On ... wrote:" line and "Original Message" block that open a
quoted thread, the "-- " signature delimiter (RFC 3676), phone and webmail trailers at the
end, a forwarded message's header block (its text is kept: it is the story), and in HTML
bodies the elements Apple Mail, Thunderbird, Gmail and Outlook mark as quotes or signatures.
A hard-wrapped (or format=flowed) body is joined back into one line per paragraph, so the
sentence splitter sees whole sentences.

Deliberately left out: reading the message, its headers and attachments (`mail.py`).
"""

from __future__ import annotations

import re

import lxml.etree  # comes with trafilatura
import lxml.html

# Where the message's own text ends; the line and everything after it go.
_CUT = (
    re.compile(r"^-{3,}\s*Original Message\s*-{3,}$", re.IGNORECASE),  # Outlook, Lotus
    re.compile(r"^--\s?$"),  # RFC 3676 §4.3 signature delimiter "-- " (many clients trim its space)
)
# "On Tue, 19 Sep 2023 at 10:30, Jane Roe <jane@example.org> wrote:", often wrapped onto two lines.
# Outlook's rule above the quoted "From: ... Sent: ..." block (a rule alone may separate stories).
_OUTLOOK_RULE = re.compile(r"^_{10,}$")
_ON_WROTE = re.compile(r"^On\b.{0,300}\bwrote:$", re.DOTALL)
# Phone and webmail trailers; only in the message's last lines: mid-text it is prose.
_TRAILER = re.compile(r"^(?:Sent from (?:my )?\S.{0,40}|Get Outlook for \S.{0,30}|Sent via \S.{0,40})$",
                      re.IGNORECASE)
_FORWARD_MARK = re.compile(r"^(?:-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:)$", re.IGNORECASE)
_FORWARD_HEADER = re.compile(r"^(?:From|Date|Sent|Subject|To|Cc|Reply-To):\s", re.IGNORECASE)

# Quoted replies and signatures as mail clients mark them in HTML: Apple Mail and Thunderbird
# (blockquote type="cite", moz-*), Gmail (gmail_quote, its "On ... wrote:" gmail_attr line and
# gmail_signature). Outlook starts its quoted block at divRplyFwdMsg/appendonsend: that element
# and the ones after it go.
_HTML_QUOTES = ("//blockquote[@type='cite'] | //blockquote[contains(@class, 'gmail_quote')]"
                " | //*[contains(@class, 'gmail_attr')] | //*[contains(@class, 'gmail_signature')]"
                " | //*[contains(@class, 'moz-cite-prefix')] | //*[contains(@class, 'moz-signature')]")
_HTML_OUTLOOK_QUOTE = "//*[@id='divRplyFwdMsg' or @id='appendonsend']"

# A hard-wrapped plain-text body: mail clients wrap at 72-78 columns (RFC 5322 asks for at
# most 78), so its long lines end between 60 and 80 characters. Such a line continues the
# same paragraph on the next line.
_WRAP_MAX = 80
_WRAP_MIN = 60
_LIST_ITEM = re.compile(r"\s*(?:[-*•>]|\d+[.)])\s")  # a list item or quote starts its own line


def unwrap(text: str, flowed: bool, delsp: bool) -> str:
    """One line per paragraph: RFC 3676 format=flowed joined as the standard says, else a
    hard-wrapped body (see `_WRAP_MIN`) joined within its paragraphs."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    if flowed:
        for line in lines:
            joined = out and out[-1].endswith(" ") and out[-1] != "-- " and not out[-1].startswith(">")
            if joined:
                out[-1] = (out[-1][:-1] if delsp else out[-1]) + line
            else:
                out.append(line)
        return "\n".join(out)
    lengths = [len(ln.rstrip()) for ln in lines if ln.strip()]
    if not lengths or max(lengths) > _WRAP_MAX or sum(n >= _WRAP_MIN for n in lengths) < len(lengths) / 4:
        return text
    wrapped = False  # did the previous line run to the wrap column?
    for line in lines:
        if wrapped and line.strip() and not _LIST_ITEM.match(line):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line)
        wrapped = len(line.rstrip()) >= _WRAP_MIN
    return "\n".join(out)


def own_text(text: str) -> str:
    """The message's own words: quoted lines, the quoted thread after "On ... wrote:" or an
    "Original Message" line, the signature after "-- ", phone trailers and a forwarded
    message's header block removed. A forwarded message's text is kept: it is the story."""
    lines = [ln.rstrip() for ln in text.split("\n")]
    kept: list[str] = []
    in_forward_header = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if any(p.match(line) for p in _CUT) or _ON_WROTE.match(stripped):
            break
        if stripped.startswith("On ") or _OUTLOOK_RULE.match(stripped):  # look at the next line with text
            following = next((lines[j].strip() for j in range(i + 1, len(lines)) if lines[j].strip()), "")
            if (_ON_WROTE.match(f"{stripped} {following}")
                    or (_OUTLOOK_RULE.match(stripped) and following.startswith("From:"))):
                break
        if stripped.startswith(">"):
            continue
        if _FORWARD_MARK.match(stripped):
            in_forward_header = True
            continue
        if in_forward_header:  # its From:/Date:/Subject: lines (wrapped ones indented) up to the text
            if not stripped or _FORWARD_HEADER.match(stripped) or line[:1] in (" ", "\t"):
                continue
            in_forward_header = False
        kept.append(line)
    while kept and (not kept[-1].strip() or _TRAILER.match(kept[-1].strip())):
        kept.pop()
    return "\n".join(kept)


def html_tree(markup: str) -> lxml.html.HtmlElement | None:
    """The parsed body with quoted replies and signatures removed (`_HTML_QUOTES`)."""
    try:
        tree = lxml.html.document_fromstring(markup)
    except (lxml.etree.ParserError, ValueError):  # empty or unparsable markup
        return None
    for node in tree.xpath(_HTML_OUTLOOK_QUOTE):
        for after in list(node.itersiblings()):
            after.drop_tree()
    for node in tree.xpath(f"{_HTML_QUOTES} | {_HTML_OUTLOOK_QUOTE}"):
        if node.getparent() is not None:
            node.drop_tree()
    return tree
