"""Saved e-mails (.eml): subject, sender and date; the message's own text without replies or
signatures; HTML-only messages; attachments as articles of their own; broken messages."""

from __future__ import annotations

import datetime as dt
import io
from email.message import EmailMessage
from pathlib import Path

import docx
import pytest

from index.article_files import load_articles
from index.formats import Rejected
from index.formats.mail import email_articles
from newsrag.types import FileLimits

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "formats" / "eml"
STORY = (
    "The city council approved the 2024 budget on Tuesday by seven votes to two, after a debate that ran past "
    "midnight. The mayor said she would sign it this week."
)
WRAPPED = (  # the same kind of story as a mail client hard-wraps it at 72 columns
    "The city council approved the 2024 budget on Tuesday by seven votes to\n"
    "two, after a debate that ran past midnight.\n"
    "\n"
    "The mayor said she would sign the budget this week, and that the new\n"
    "library on Elm Street would open in the spring.\n"
)


def _mail(body: str | None = None, *, subject: str = "Council passes budget",
          sender: str = "City Desk <desk@example.org>", date: str = "Tue, 19 Sep 2023 22:15:00 +0200",
          html: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "newsroom@example.org"
    msg["Subject"] = subject
    if date:
        msg["Date"] = date
    if body is not None:
        msg.set_content(body)
    if html is not None:
        if body is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    return msg


def _parse(msg: EmailMessage | bytes, name: str = "mail.eml"):  # type: ignore[no-untyped-def]
    data = msg if isinstance(msg, bytes) else msg.as_bytes()
    return email_articles(Path(name), data)


def _docx_bytes(title: str, text: str) -> bytes:
    document = docx.Document()
    document.core_properties.title = title
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- real messages


def test_real_message_with_a_text_attachment() -> None:
    path = SAMPLES / "nodemailer.eml"
    parsed = email_articles(path, path.read_bytes())
    body, notes = parsed.articles
    assert body.title == "Nodemailer is unicode friendly ✔ (1476358788189)"  # RFC 2047 decoded
    assert body.text == "Hello to myself! http://www.nodemailer.com/"  # text/plain preferred over HTML
    assert body.source == "Andris Kreata"
    assert body.published == dt.date(2016, 10, 13) and body.published_origin == "email-header"
    assert notes.text == "Some notes about this e-mail"  # notes.txt
    assert notes.source == "Andris Kreata" and notes.published == dt.date(2016, 10, 13)
    assert notes.published_origin == "email-header"
    assert [a.part for a in parsed.articles] == [1, 2]
    assert {a.source_path for a in parsed.articles} == {str(path)}
    assert parsed.problems == () and parsed.notes == ()  # the images are inline, inside the body


def test_real_nested_message_without_subject_or_date() -> None:
    path = SAMPLES / "nested.eml"
    parsed = email_articles(path, path.read_bytes())
    (article,) = parsed.articles
    assert "Good evening." in article.title + article.text
    assert "The footer" not in article.text  # an inline alternative appended after the body
    assert article.source == "u@example.com"  # no display name: the address
    assert article.published is None and article.part == 0
    assert parsed.problems == () and parsed.notes == ()


# --------------------------------------------------------------------------- the message's own text


def test_quoted_reply_signature_and_phone_trailer_are_dropped() -> None:
    body = (
        f"{STORY}\n\n> What did the council decide?\n\nSent from my iPhone\n\n"
        "On Tue, 19 Sep 2023 at 10:30, Jane Roe <jane@example.org>\nwrote:\n"
        "> Did the budget pass?\n> Thanks,\n> Jane\n"
    )
    (article,) = _parse(_mail(body, subject="Re: RE: Council passes budget")).articles
    assert article.title == "Council passes budget"
    assert article.text == STORY


def test_signature_and_original_message_are_cut() -> None:
    body = f"{STORY}\n\n-- \nJohn Doe\nCity desk, +1 555 0100\n"
    assert _parse(_mail(body)).articles[0].text == STORY
    body = f"{STORY}\n\n-----Original Message-----\nFrom: Jane Roe\nSent: Tuesday\n\nDid it pass?\n"
    assert _parse(_mail(body)).articles[0].text == STORY
    rule = "_" * 32
    body = f"{STORY}\n\n{rule}\nFrom: Jane Roe <jane@example.org>\nSent: Tuesday\n\nDid it pass?\n"
    assert _parse(_mail(body)).articles[0].text == STORY
    body = f"{STORY}\n{rule}\nThe library on Elm Street will open in the spring, officials said.\n"
    assert _parse(_mail(body)).articles[0].text.endswith("officials said.")  # a rule between stories stays


def test_prose_that_looks_like_mail_furniture_is_kept() -> None:
    body = (f"{STORY}\n\nThanks, in part, to a late amendment, the library survived the cuts.\n"
            "- Schools get four percent more.\n- Parks get two percent less.\n")
    text = _parse(_mail(body)).articles[0].text
    assert "Thanks, in part, to a late amendment" in text and "- Parks get two percent less." in text


def test_forwarded_message_keeps_the_story_without_its_header_block() -> None:
    body = (
        "FYI, for tomorrow's paper.\n\n---------- Forwarded message ---------\n"
        "From: City Hall <press@city.example>\nDate: Tue, 19 Sep 2023 at 18:00\n"
        f"Subject: Budget approved\nTo: <newsroom@example.org>\n\n{STORY}\n"
    )
    (article,) = _parse(_mail(body, subject="Fwd: Budget approved")).articles
    assert article.title == "Budget approved"
    assert STORY in article.text and "press@city.example" not in article.text


def test_hard_wrapped_and_flowed_bodies_become_one_line_per_paragraph() -> None:
    (article,) = _parse(_mail(WRAPPED)).articles
    assert article.text.split("\n") == [
        "The city council approved the 2024 budget on Tuesday by seven votes to two, after a debate that ran "
        "past midnight.",
        "The mayor said she would sign the budget this week, and that the new library on Elm Street would open "
        "in the spring.",
    ]
    flowed = _mail("x")
    flowed.set_content("The city council approved the budget on \r\nTuesday night.\r\n\r\nThe mayor will sign it.",
                       params={"format": "flowed"})
    assert _parse(flowed).articles[0].text == (
        "The city council approved the budget on Tuesday night.\nThe mayor will sign it.")


# --------------------------------------------------------------------------- HTML-only messages


def test_html_only_message_goes_through_the_html_path_without_the_quoted_reply() -> None:
    paragraphs = "".join(f"<p>{s}.</p>" for s in STORY.split(". ") if s)
    html = (
        f"<html><head><title>Newsletter</title></head><body><div dir='ltr'>{paragraphs}"
        "<p>Officials said the new library on Elm Street would open in the spring, and that the parks budget "
        "would be reviewed again in March after residents objected to the cuts.</p></div>"
        "<div class='gmail_quote'><div class='gmail_attr'>On Tue, Jane Roe wrote:</div>"
        "<blockquote class='gmail_quote'><p>Did the budget pass? We need 500 words by six.</p></blockquote></div>"
        "</body></html>"
    )
    (article,) = _parse(_mail(html=html)).articles
    assert article.title == "Council passes budget"  # the subject, not the page's <title>
    assert "seven votes to two" in article.text and "Elm Street" in article.text
    assert "500 words" not in article.text and "Jane Roe wrote" not in article.text
    assert article.source == "City Desk" and article.published == dt.date(2023, 9, 19)


def test_short_html_note_falls_back_to_all_of_its_text() -> None:
    html = "<div>The council voted 7-2 on the budget on Tuesday night.<br>The mayor said she would sign it.</div>"
    (article,) = _parse(_mail(html=html)).articles
    assert article.text.split("\n")[-2:] == ["The council voted 7-2 on the budget on Tuesday night.",
                                             "The mayor said she would sign it."]


# --------------------------------------------------------------------------- attachments


def test_attachments_are_articles_of_their_own_and_other_types_are_counted() -> None:
    msg = _mail(STORY)
    msg.add_attachment(f"Library Opens in Spring\n\n{STORY}".replace("budget", "library plan").encode(),
                       maintype="text", subtype="plain", filename="library.txt")
    msg.add_attachment(_docx_bytes("Parks Budget Cut", "The parks budget falls by two percent next year, "
                                   "the council decided on Tuesday."),
                       maintype="application", subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                       filename="parks.docx")
    msg.add_attachment(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, maintype="image", subtype="png", filename="photo.png")
    msg.add_attachment(b"PK\x05\x06" + b"\0" * 18, maintype="application", subtype="zip", filename="all.zip")
    parsed = _parse(msg)
    assert [(a.part, a.title) for a in parsed.articles] == [
        (1, "Council passes budget"), (2, "Library Opens in Spring"), (3, "Parks Budget Cut"),
    ]
    docx_article = parsed.articles[2]
    assert docx_article.source == "City Desk"  # the sender, where the attachment names no outlet
    assert docx_article.source_path == "mail.eml"
    assert parsed.problems == ()
    assert [n.message for n in parsed.notes] == ["mail.eml: 2 attachments not indexed (image/png, application/zip)"]


def test_an_unusable_attachment_is_a_problem_not_a_failure() -> None:
    msg = _mail(STORY)
    msg.add_attachment(b"this is not a zip", maintype="application", subtype="octet-stream", filename="broken.docx")
    parsed = _parse(msg)
    (article,) = parsed.articles
    assert article.title == "Council passes budget" and article.part == 0  # the message alone
    (problem,) = parsed.problems
    assert problem.path == "mail.eml"
    assert problem.message.startswith("mail.eml: attachment 'broken.docx': expected a Word .docx file")


def test_attachment_states_its_own_date_and_outlet() -> None:
    msg = _mail("See attached.")
    msg.add_attachment(
        f"---\ntitle: Library Opens\npublished: 2023-09-01\nsource: City Hall\n---\n{STORY}\n",
        filename="library.md",
    )
    note, article = _parse(msg).articles
    assert (note.part, note.text, article.part) == (1, "See attached.", 2)
    assert (article.title, article.source, article.published) == ("Library Opens", "City Hall", dt.date(2023, 9, 1))
    assert article.published_origin == "front-matter"


def test_attached_messages_are_read_three_levels_deep() -> None:
    inner = _mail(STORY, subject="Budget approved", sender="City Hall <press@city.example>",
                  date="Mon, 18 Sep 2023 18:00:00 +0200")
    for level in range(4):
        outer = _mail(f"Forwarded note number {level} about the council's budget vote.", subject=f"Fwd {level}")
        outer.add_attachment(inner)
        inner = outer
    parsed = _parse(inner)
    assert [a.title for a in parsed.articles] == ["Fwd 3", "Fwd 2", "Fwd 1", "Fwd 0"]
    assert [a.part for a in parsed.articles] == [1, 2, 3, 4]
    (problem,) = parsed.problems  # the press release itself sits 4 levels down
    assert "attachment 'attached-message.eml': expected messages attached at most 3 levels deep" in problem.message
    forwarded = _mail("See below.")
    forwarded.add_attachment(_mail(STORY, subject="Budget approved", sender="City Hall <press@city.example>",
                                   date="Mon, 18 Sep 2023 18:00:00 +0200"))
    release = _parse(forwarded).articles[1]
    assert (release.title, release.source, release.published) == ("Budget approved", "City Hall",
                                                                   dt.date(2023, 9, 18))


def test_pdf_attachment() -> None:
    if not (Path(__file__).resolve().parents[3] / "index" / "formats" / "pdf.py").exists():
        pytest.skip("index/formats/pdf.py is written by another change")
    pytest.importorskip("reportlab")
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "The city council approved the 2024 budget on Tuesday by seven votes to two.")
    page.drawString(72, 700, "The mayor said she would sign the budget this week.")
    page.save()
    msg = _mail(STORY)
    msg.add_attachment(out.getvalue(), maintype="application", subtype="pdf", filename="budget.pdf")
    parsed = _parse(msg)
    assert parsed.problems == ()
    assert len(parsed.articles) == 2 and "seven votes to two" in parsed.articles[1].text
    assert parsed.articles[1].source_path == "mail.eml"


# --------------------------------------------------------------------------- broken messages


def test_broken_date_keeps_the_message_undated_with_a_problem() -> None:
    raw = _mail(STORY, date="").as_bytes().replace(b"Subject:", b"Date: sometime last week\nSubject:", 1)
    parsed = _parse(raw)
    (article,) = parsed.articles
    assert article.published is None and article.published_origin is None
    (problem,) = parsed.problems
    assert "'sometime last week'" in problem.message and "indexed without a date" in problem.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"From: desk@example.org\nSubject: Empty\nContent-Type: text/plain\n\n\n", "expected article text"),
        (b"From: desk@example.org\nSubject: Photo\nContent-Type: image/png\n\n\x89PNG\0\0",
         "expected an e-mail with a text body, got no text/plain or text/html part"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)), "expected an e-mail message"),
    ],
)
def test_messages_without_a_usable_body_or_attachment_are_refused(raw: bytes, expected: str) -> None:
    with pytest.raises(Rejected, match=expected):
        _parse(raw)


def test_message_of_only_unindexed_or_broken_attachments() -> None:
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "desk@example.org", "Photos"
    msg.add_attachment(b"\x89PNG\r\n\x1a\n" + b"\0" * 64, maintype="image", subtype="png", filename="photo.png")
    with pytest.raises(Rejected, match=r"no text body \(.*\) and only attachments that are not indexed \(image/png\)"):
        _parse(msg)
    msg.add_attachment(b"not a zip", maintype="application", subtype="octet-stream", filename="story.docx")
    parsed = _parse(msg)  # the attachment's own reason is kept, beside the body's
    assert parsed.articles == ()
    body, attachment = (p.message for p in parsed.problems)
    assert body.startswith("mail.eml: expected an e-mail with a text body, got no text/plain or text/html part")
    assert attachment.startswith("mail.eml: attachment 'story.docx': expected a Word .docx file")


# --------------------------------------------------------------------------- through the loader


def test_loader_reads_a_folder_with_a_word_file_and_an_email(tmp_path: Path) -> None:
    (tmp_path / "parks.docx").write_bytes(_docx_bytes("Parks Budget Cut", "The parks budget falls by two "
                                                      "percent next year, the council decided on Tuesday."))
    (tmp_path / "budget.eml").write_bytes(_mail(WRAPPED).as_bytes())
    result = load_articles([tmp_path], FileLimits.uniform(1_000_000))
    assert result.problems == ()
    assert [(Path(a.source_path).name, a.title, a.published_origin) for a in result.articles] == [
        ("budget.eml", "Council passes budget", "email-header"),
        ("parks.docx", "Parks Budget Cut", "docx-properties"),
    ]
