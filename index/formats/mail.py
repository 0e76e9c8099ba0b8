"""Saved e-mails (`.eml`): the message's own text as one article, each usable attachment as more.

Read with the standard library (`email`, `email.policy.default`):
- Title: the Subject, less its "Re:"/"Fwd:" prefixes. Outlet (`Article.source`): the sender's
  display name, else the address. Date: the `Date:` header (origin "email-header"); a Date
  that cannot be read leaves the message undated, with a problem that says so.
- Body: the text/plain part; a message with only HTML goes through `html_articles` (the
  HTML files' trafilatura path). A short HTML note where trafilatura finds no main text
  falls back to all of its text (`html_extract.html_text`, block elements kept as lines).
- Replies and signatures are cut from the body (`mail_text.py`): they repeat earlier
  messages or describe the sender, not the story.
- Attachments in a supported format go through their own parser (`parse_content`) and keep
  the .eml as `source_path`; the message's sender and date fill what they do not state.
  Parts: the body 1, attachments 2..n (a lone article is part 0). An attachment that cannot
  be read is a problem, one of an unsupported type is counted in a note; neither stops the
  message.

Why not a reply-parsing library: mail-parser-reply (MIT, maintained) was tried. Built for
support mail, it cuts everything after a line starting "Thanks," or "Best," or any "- "
list item, drops a "Warning: ..." sentence as a disclaimer, and ends the message at a
forwarded message's header block: for forwarded press releases and newsletters that loses
the story. The rules in `mail_text.py` cut only what mail clients themselves write.

Deliberately left out: Outlook `.msg` files (a binary compound format, not MIME: save the
message as .eml), the rest of a thread (quoted messages are not re-indexed), and inline
images.
"""

from __future__ import annotations

import contextvars
import dataclasses
import email
import email.policy
import email.utils
import mimetypes
import re
from email.message import EmailMessage, Message
from pathlib import Path

import lxml.html

from index.cleaning import clean_story_text
from index.formats.common import (
    ArticleMeta,
    Parsed,
    Rejected,
    build_articles,
    date_problem,
    parse_published,
    reject,
    require_stories,
)
from index.formats.mail_text import html_tree, own_text, unwrap
from index.html_extract import html_text
from index.ids import article_id
from newsrag.types import Article, FileMessage

_SUBJECT_PREFIX = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|sv|tr)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)

# Messages attached inside messages are read this deep: a forward of a forward of a forward.
# Deeper ones are mail loops or files built to make each level re-parse all the levels below.
_MAX_NESTED_MESSAGES = 3
_NESTING: contextvars.ContextVar[int] = contextvars.ContextVar("mail_nesting", default=0)


def email_articles(path: Path, data: bytes) -> Parsed:
    try:
        return _message_articles(path, data)
    # The standard library parses and walks MIME parts recursively: thousands of nested
    # parts (or messages attached inside messages) exhaust the stack, never a real mail.
    except RecursionError as err:
        raise reject("an e-mail message", "MIME parts nested too deeply to read",
                     "save the story itself as a file of its own") from err


def _message_articles(path: Path, data: bytes) -> Parsed:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(msg, EmailMessage) or not msg.keys():
        raise reject("an e-mail message (headers such as From:, Subject: and Date:, a blank line, the text)",
                     "no mail headers", "save the message from the mail client as .eml")
    problems: list[FileMessage] = []
    meta = ArticleMeta(source=_sender(msg))
    date_text = _header(msg, "Date")
    if date_text:
        try:
            meta = dataclasses.replace(meta, published=parse_published(date_text), origin="email-header")
        except ValueError:
            problems.append(date_problem(path, path, date_text))
    subject = _SUBJECT_PREFIX.sub("", _header(msg, "Subject") or "").strip() or None

    articles: list[Article] = []
    body_error: Rejected | None = None
    try:
        articles.extend(_body_articles(path, msg, subject, meta))
    except Rejected as err:  # a message may carry its story only as an attachment
        body_error = err
    attached, skipped = _attachments(path, msg, meta)
    articles.extend(attached.articles)
    problems.extend(attached.problems)
    if not articles and body_error is not None:
        if attached.problems:  # the attachments' own reasons say more than one rejection could
            return Parsed((), (FileMessage(str(path), f"{path}: {body_error}"), *problems), attached.notes)
        if skipped:
            raise reject("an e-mail with a text body or an attachment in a supported format",
                         f"no text body ({body_error}) and only attachments that are not indexed "
                         f"({', '.join(skipped)})", "save the story itself as a file of its own")
        raise body_error
    if len(articles) > 1:
        articles = [dataclasses.replace(a, part=n) for n, a in enumerate(articles, 1)]
    return Parsed(tuple(articles), tuple(problems), attached.notes)


# --------------------------------------------------------------------------- headers


def _header(msg: EmailMessage, name: str) -> str | None:
    """A header's decoded value; its raw text when the policy cannot parse it (a bad Date
    or an address list that breaks the parser must not lose the message)."""
    try:
        value = msg.get(name)
        text = str(value) if value is not None else None
    except Exception:  # noqa: BLE001 - the header parser raises varied errors on malformed headers
        text = next((str(v) for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    return " ".join(text.split()) if text and text.strip() else None


def _sender(msg: EmailMessage) -> str | None:
    raw = _header(msg, "From")
    if not raw:
        return None
    name, address = email.utils.parseaddr(raw)
    return name.strip() or address.strip() or raw


# --------------------------------------------------------------------------- the body


def _body_articles(path: Path, msg: EmailMessage, subject: str | None, meta: ArticleMeta) -> list[Article]:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        raise reject("an e-mail with a text body", "no text/plain or text/html part", "forward the story as text")
    content = _text_of(part)
    if part.get_content_subtype() == "html":
        return _html_body(path, content, subject, meta)
    flowed = str(part.get_param("format", "")).lower() == "flowed"
    delsp = str(part.get_param("delsp", "")).lower() == "yes"
    text = own_text(unwrap(content, flowed, delsp))
    stories = require_stories(clean_story_text(text, title=subject, split_stories=False))
    return build_articles(path, stories, meta, None)


def _text_of(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]  # EmailMessage under policy.default
        if isinstance(content, str):
            return content
    except (LookupError, ValueError, UnicodeError):  # an unknown or lying charset
        pass
    payload = part.get_payload(decode=True)
    raw = payload if isinstance(payload, bytes) else b""
    from index.article_files import decode_text  # the loader's legacy-encoding detection; imported late: a cycle

    try:
        return decode_text(raw).text
    except Rejected:
        return raw.decode("utf-8", errors="replace")


def _html_body(path: Path, markup: str, subject: str | None, meta: ArticleMeta) -> list[Article]:
    from index.formats.text_formats import html_articles

    tree = html_tree(markup)
    if tree is None:
        raise reject("an HTML e-mail body with text", "markup without text", "forward the story as text")
    markup = lxml.html.tostring(tree, encoding="unicode")
    try:
        found = list(html_articles(path, markup, meta).articles)
    except Rejected:  # trafilatura finds no main text in a short note: take all of its text
        stories = require_stories(clean_story_text(own_text(html_text(markup)), title=subject, split_stories=False))
        return build_articles(path, stories, meta, None)
    # The Date header says when the message was sent; trafilatura's date for a mail is a
    # guess from its text (a "2024 budget" read as 2024-01-01), as mails carry no page metadata.
    if meta.published is not None:
        found = [dataclasses.replace(a, published=meta.published, published_origin=meta.origin) for a in found]
    if subject is None:
        return found
    return [dataclasses.replace(a, title=subject, id=article_id(subject, a.text, a.url)) for a in found]


# --------------------------------------------------------------------------- attachments


def _attachments(path: Path, msg: EmailMessage, meta: ArticleMeta) -> tuple[Parsed, list[str]]:
    """The attachments' articles, problems and notes, and the content types not indexed."""
    from index.article_files import parse_content  # the loader dispatches by format: a cycle at import time
    from index.formats import format_of

    articles: list[Article] = []
    problems: list[FileMessage] = []
    notes: list[FileMessage] = []
    skipped: list[str] = []
    for part in msg.iter_attachments():
        kind = part.get_content_type()
        if part.is_multipart() and part.get_content_maintype() != "message":
            continue  # an inline alternative a list server appends (a footer): no file, and no story
        name = _attachment_name(part, kind)
        if format_of(name) is None:
            skipped.append(kind)
            continue
        depth = _NESTING.get() + (1 if kind.startswith("message/") else 0)
        token = _NESTING.set(depth)
        try:
            if depth > _MAX_NESTED_MESSAGES:
                raise reject(f"messages attached at most {_MAX_NESTED_MESSAGES} levels deep",
                             f"one {depth} levels deep", "save that message as an .eml of its own")
            payload = _payload(part)
            if not payload.strip():
                raise reject("an attachment with content", "an empty attachment", "attach the file again")
            found = parse_content(path, name, payload)
        except Rejected as err:
            problems.append(FileMessage(str(path), f"{path}: attachment '{name}': {err}"))
            continue
        except Exception as err:  # noqa: BLE001 - one attachment's parser failing must not lose the message
            problems.append(FileMessage(str(path), f"{path}: attachment '{name}': expected a readable file, "
                                                   f"got {type(err).__name__}: {err}; save it and index it alone"))
            continue
        finally:
            _NESTING.reset(token)
        articles.extend(_inherit(a, meta) for a in found.articles)
        problems.extend(found.problems)
        notes.extend(found.notes)
    if skipped:
        many = "s" if len(skipped) > 1 else ""
        notes.append(FileMessage(str(path), f"{path}: {len(skipped)} attachment{many} not indexed "
                                            f"({', '.join(skipped)})"))
    return Parsed(tuple(articles), tuple(problems), tuple(notes)), skipped


def _attachment_name(part: EmailMessage, kind: str) -> str:
    """The attachment's file name, or one its content type implies (the name picks the parser)."""
    try:
        name = part.get_filename()
    except (ValueError, LookupError, UnicodeError):
        name = None
    if name and name.strip():
        return Path(name.strip().replace("\\", "/")).name or "attachment"
    if kind == "message/rfc822":
        return "attached-message.eml"
    return "attachment" + (mimetypes.guess_extension(kind) or "")


def _payload(part: EmailMessage) -> bytes:
    if part.get_content_maintype() == "message":  # a message attached as such: its bytes are an .eml
        inner = part.get_payload(0)
        return inner.as_bytes() if isinstance(inner, Message) else b""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _inherit(article: Article, meta: ArticleMeta) -> Article:
    """An attachment's article with the message's sender and date where it states none."""
    if article.source is None and meta.source:
        article = dataclasses.replace(article, source=meta.source)
    if article.published is None and meta.published is not None:
        article = dataclasses.replace(article, published=meta.published, published_origin="email-header")
    return article
