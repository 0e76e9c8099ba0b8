"""The browser chat, driven in a real Chromium against the real server.

The server is `ui.server.launch` over a temp data dir with the seeds indexed by the real
Indexer and MiniLM (`live_server` in conftest). Each test uses its own browser context,
so its own Gradio session and conversation. Screenshots of the main states go to
`artifacts/screenshots/` at 1280x800 and 390x844 so a person can look at the layout.

Skipped only when /usr/bin/chromium is missing (Playwright cannot download a browser here).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("NEWSRAG_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ANSWER_TIMEOUT_MS = 120_000

if not CHROMIUM.exists():  # loud, not silent: these are the only tests of the real page
    pytest.skip(
        f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM}; install Debian's `chromium` package "
        "or set NEWSRAG_CHROMIUM to a Chromium binary",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

BOT = '#nr-chat [data-testid="bot"]'
USER = '#nr-chat [data-testid="user"]'


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


class ChatPage:
    """One browser tab on the app, with the few actions a user takes."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def open(self, url: str) -> ChatPage:
        self.page.goto(url)
        self.page.wait_for_selector("#nr-question textarea")
        return self

    def ask(self, question: str) -> None:
        before = self.page.locator(BOT).count()
        self.page.fill("#nr-question textarea", question)
        self.page.click("#nr-send")
        self.page.wait_for_function(
            """([selector, n]) => {
                const bots = document.querySelectorAll(selector);
                if (bots.length <= n) return false;
                return !!bots[bots.length - 1].querySelector('.nr-answer, .nr-refusal, .nr-error');
            }""",
            arg=[BOT, before],
            timeout=ANSWER_TIMEOUT_MS,
        )

    def last_answer(self):
        return self.page.locator(BOT).last

    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name).click()

    def upload(self, *files: Path | dict) -> str:
        self.tab("Upload")
        self.page.locator("#nr-files input[type=file]").set_input_files(list(files))
        # what a user waits for before indexing: every file listed in the box (uploaded)
        expect(self.page.locator("#nr-files tr.file")).to_have_count(len(files))
        expect(self.page.locator("#nr-upload")).to_be_enabled()
        self.page.click("#nr-upload")
        report = self.page.locator("#nr-upload-report .nr-report")
        expect(report).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        return report.inner_text()

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def chat(browser: Browser, live_server) -> Iterator[ChatPage]:
    context = browser.new_context(viewport=DESKTOP)
    page = ChatPage(context.new_page()).open(live_server.url)
    yield page
    assert page.errors == [], f"JavaScript errors on the page: {page.errors}"
    context.close()


def test_answer_cites_and_highlights_the_sentence(chat: ChatPage):
    page = chat.page
    expect(page.locator("#nr-chat")).to_contain_text("What was the September 19 deadline?")  # an example
    chat.shot("desktop-01-empty")
    chat.ask("What was the September 19 deadline?")
    answer = chat.last_answer()
    expect(answer.locator(".nr-cite").first).to_have_text("[1]")
    expect(answer).to_contain_text("September 19")
    quote = page.locator("#nr-sources .nr-passage mark.nr-quote").first
    expect(quote).to_contain_text("September 19")
    card = page.locator("#nr-sources .nr-card").first
    expect(card.locator(".nr-file")).to_contain_text(".txt")
    chat.shot("desktop-02-answer")

    # the whole article, with the cited sentence highlighted in place
    card.locator("summary").click()
    in_article = card.locator(".nr-article mark.nr-quote")
    expect(in_article).to_be_visible()
    assert in_article.inner_text() == quote.inner_text()
    article_text = card.locator(".nr-article").inner_text()
    assert len(article_text) > len(card.locator(".nr-passage").inner_text())
    chat.shot("desktop-03-article")

    chat.tab("Why this answer")
    why = page.locator("#nr-why")
    expect(why).to_contain_text("Searched for")
    assert why.locator("tbody tr").count() >= 1
    expect(why).to_contain_text("ms")
    chat.shot("desktop-04-why")


def test_follow_up_uses_the_conversation_and_new_chat_clears_it(chat: ChatPage):
    page = chat.page
    chat.ask("What was the September 19 deadline?")
    chat.ask("Who set it?")
    assert page.locator(BOT).count() == 2 and page.locator(USER).count() == 2
    chat.tab("Why this answer")
    # the follow-up was searched with the earlier turn folded in
    expect(page.locator("#nr-why .nr-query")).to_contain_text("September 19")
    chat.shot("desktop-05-follow-up")

    page.click("#nr-new")
    expect(page.locator(BOT)).to_have_count(0)
    chat.ask("Who set it?")
    chat.tab("Why this answer")
    expect(page.locator("#nr-why .nr-query")).not_to_contain_text("September 19")


def test_example_question_and_settings_panel(chat: ChatPage):
    page = chat.page
    example = page.locator("#nr-chat button.example").first
    asked = example.inner_text().strip()
    assert asked.endswith("?")
    example.click()
    page.wait_for_selector(f"{BOT} .nr-answer, {BOT} .nr-refusal", timeout=ANSWER_TIMEOUT_MS)
    expect(page.locator(USER).first).to_have_text(asked)

    number = page.locator("#nr-topk input[type=number]")
    toggle = page.locator("#nr-settings-toggle")
    expect(number).to_be_hidden()  # the panel starts closed
    page.get_by_text("Settings", exact=True).click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    number.fill("2")
    # what the user sees once it took: the slider moved to 2 as well
    expect(page.locator("#nr-topk input[type=range]")).to_have_value("2")
    chat.shot("desktop-09-settings")
    chat.ask("What was the September 19 deadline?")
    chat.tab("Why this answer")
    expect(page.locator("#nr-why tbody tr")).to_have_count(2)
    first_query = page.locator("#nr-why .nr-query").inner_text()
    toggle.click()  # closed again, and the setting stays
    expect(number).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    chat.ask("Who set it?")
    expect(page.locator("#nr-why .nr-query")).not_to_have_text(first_query)  # the new answer's panel
    expect(page.locator("#nr-why tbody tr")).to_have_count(2)


# Delays every animation frame, as a busy machine does: Gradio 6 re-applied a closed accordion's
# initial values one frame after its first opening, and a setting typed in that window was lost.
SLOW_FRAMES = """(() => {
  const next = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (callback) => window.setTimeout(() => next(callback), 400);
})()"""


def test_a_setting_typed_the_moment_the_panel_opens_is_the_one_used(browser: Browser, fake_server):
    """The settings panel is in the page from the start: what is typed into it straight away is
    still there a frame later, and it is what the question is asked with (the FakeAssistant
    records the options it was given)."""
    context = browser.new_context(viewport=DESKTOP)
    context.add_init_script(SLOW_FRAMES)
    chat = ChatPage(context.new_page()).open(fake_server.url)
    page = chat.page
    page.get_by_text("Settings", exact=True).click()
    number = page.locator("#nr-topk input[type=number]")
    number.fill("2")
    # the page draws its next frame (where Gradio used to put the default back) ...
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)))")
    # ... and the user still sees 2, in both parts of the control
    expect(number).to_have_value("2")
    expect(page.locator("#nr-topk input[type=range]")).to_have_value("2")
    question = "What was the September 19 deadline, with two passages?"
    chat.ask(question)
    [(_, _, options)] = [call for call in fake_server.assistant.calls if call[0] == question]
    assert options is not None and options.top_k == 2
    assert chat.errors == []
    context.close()


def test_unanswerable_question_is_refused_with_closest_passages(chat: ChatPage):
    page = chat.page
    chat.ask("What was the October 3 deadline?")
    refusal = chat.last_answer().locator(".nr-refusal")
    expect(refusal).to_contain_text("could not find")
    expect(chat.last_answer().locator(".nr-cite")).to_have_count(0)
    expect(page.locator("#nr-sources")).to_contain_text("Not answered")
    assert page.locator("#nr-sources .nr-closest").count() >= 1
    chat.shot("desktop-06-refusal")


def test_two_tabs_are_two_conversations(browser: Browser, live_server):
    first = ChatPage(browser.new_context(viewport=DESKTOP).new_page()).open(live_server.url)
    second = ChatPage(browser.new_context(viewport=DESKTOP).new_page()).open(live_server.url)
    first.ask("What was the September 19 deadline?")
    expect(second.page.locator(BOT)).to_have_count(0)
    second.ask("Who set it?")
    second.tab("Why this answer")
    # no history in the second tab: nothing to fold in
    expect(second.page.locator("#nr-why .nr-query")).not_to_contain_text("September 19")
    first.ask("Who set it?")
    first.tab("Why this answer")
    expect(first.page.locator("#nr-why .nr-query")).to_contain_text("September 19")
    assert first.page.locator(USER).count() == 2 and second.page.locator(USER).count() == 1
    assert first.errors == [] and second.errors == []
    first.page.context.close()
    second.page.context.close()


def test_upload_makes_a_new_article_searchable(chat: ChatPage, live_server, tmp_path: Path):
    story = tmp_path / "harbour.txt"
    story.write_text(
        "Quillhaven opens its new harbour\n"
        "QUILLHAVEN (Coastal Wire) -- The town of Quillhaven opened its rebuilt harbour on 12 March 2024.\n"
        "The mayor, Ottilie Brandvold, said the harbour cost 48 million crowns and took three years to build.\n"
        "Fishing crews will move to the new quays in April.\n"
    )
    bad = tmp_path / "broken.json"
    bad.write_text("{this is not json")
    report = chat.upload(story, bad)
    assert "1 added" in report, report
    assert "broken.json" in report  # the bad file is named, with the reason
    uploads = live_server.settings.data_dir / "uploads"
    assert (uploads / "harbour.txt").is_file()
    chat.shot("desktop-07-upload")

    chat.tab("Index")
    chat.page.click("#nr-refresh")
    expect(chat.page.locator("#nr-status")).to_contain_text("Quillhaven opens its new harbour")

    chat.ask("How much did the Quillhaven harbour cost?")
    expect(chat.last_answer()).to_contain_text("48 million")
    chat.tab("Sources")
    expect(chat.page.locator("#nr-sources .nr-file").first).to_contain_text("harbour.txt")
    # the seeds are still there
    chat.ask("What was the September 19 deadline?")
    expect(chat.last_answer().locator(".nr-cite").first).to_have_text("[1]")


def test_upload_of_word_and_email_files_reports_each_format(chat: ChatPage, live_server, tmp_path: Path):
    """A Word draft and a saved e-mail go through the page as a .txt does, counted per format."""
    from email.message import EmailMessage

    import docx

    document = docx.Document()
    document.core_properties.title = "Brinmoor council approves the tram line"
    document.add_paragraph("The Brinmoor council approved the new tram line on 3 June 2024 by eleven votes to four.")
    document.add_paragraph("The line will cost 212 million crowns and open in 2027, the council's treasurer said.")
    draft = tmp_path / "tram.docx"
    document.save(draft)
    message = EmailMessage()
    message["Subject"] = "Statement on the Orlet bridge closure"
    message["From"] = "Orlet Roads Office <press@orlet.example>"
    message["Date"] = "Tue, 04 Jun 2024 09:30:00 +0000"
    message.set_content("The Orlet bridge will close for repairs from 10 June 2024 for six weeks.\n"
                        "Ferries will run every twenty minutes while the bridge is closed.\n")
    mail = tmp_path / "bridge.eml"
    mail.write_bytes(bytes(message))
    report = chat.upload(draft, mail)
    assert "2 added" in report, report
    assert "1 Word (1 article)" in report and "1 e-mail (1 article)" in report, report

    chat.ask("How much will the Brinmoor tram line cost?")
    expect(chat.last_answer()).to_contain_text("212 million")
    chat.tab("Sources")
    expect(chat.page.locator("#nr-sources .nr-file").first).to_contain_text("tram.docx")


def test_hostile_article_is_inert_text(chat: ChatPage, live_server, tmp_path: Path):
    page = chat.page
    hostile = tmp_path / "hostile.html"
    hostile.write_text(
        "<html><head><title>Zanzibar ferry <script>window.__pwned=1</script> report</title></head><body>"
        "<article><h1>Zanzibar ferry report</h1>"
        "<p>The Zanzibar ferry inspector wrote &lt;script&gt;window.__pwned=1&lt;/script&gt; in the log "
        "on 4 May 2024, and the note &lt;img src=x onerror=\"window.__pwned=1\"&gt; was filed.</p>"
        "<p>The ferry inspector said the Zanzibar ferry carried 312 passengers on its first voyage.</p>"
        "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=1\">"
        "</article></body></html>"
    )
    # a hostile name too: the path part must be dropped, nothing written outside uploads/
    traversal = {"name": "../../evil.txt", "mimeType": "text/plain", "buffer": b"Evil\nNothing to see, 1 May 2024.\n"}
    chat.upload({"name": hostile.name, "mimeType": "text/html", "buffer": hostile.read_bytes()}, traversal)
    data_dir = live_server.settings.data_dir
    assert not (data_dir / "evil.txt").exists() and not (data_dir.parent / "evil.txt").exists()
    assert all(p.parent.name == "uploads" for p in data_dir.rglob("evil*.txt"))

    chat.ask("What did the Zanzibar ferry inspector write in the log?")
    chat.tab("Sources")
    card = page.locator("#nr-sources .nr-card").first
    expect(card).to_be_visible()
    card.locator("summary").click()
    expect(card.locator(".nr-article")).to_be_visible()
    text = page.locator("#nr-sources").inner_text() + chat.last_answer().inner_text()
    assert "<script>" in text or "onerror" in text, "the hostile text should be shown as text"
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#nr-sources script, #nr-sources img, #nr-chat .message-content img").count() == 0
    chat.shot("desktop-08-hostile")


def test_hostile_question_is_inert_text(chat: ChatPage):
    """A question carrying markup is shown as typed, in the chat, the refusal and the Why tab."""
    page = chat.page
    question = (
        '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1"> '
        "[x](javascript:window.__pwned=1) | <b>When</b> was the Zorblat treaty signed?"
    )
    chat.ask(question)
    asked = page.locator(USER).last
    expect(asked).to_contain_text("<script>window.__pwned=1</script>")
    expect(asked).to_contain_text('onerror="window.__pwned=1"')
    expect(asked).to_contain_text("<b>When</b>")
    chat.tab("Why this answer")
    expect(page.locator("#nr-why .nr-query")).to_contain_text("<img src=x")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    injected = "#nr-chat .message-content {0}, #nr-why {0}, #nr-sources {0}"
    for tag in ("script", "img", "a", "b"):
        assert page.locator(injected.format(tag)).count() == 0, f"a <{tag}> from the question reached the page"
    chat.shot("desktop-11-hostile-question")


def test_narrow_screen_layout(browser: Browser, live_server):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True)
    chat = ChatPage(context.new_page()).open(live_server.url)
    chat.shot("phone-01-empty")
    chat.ask("What was the September 19 deadline?")
    expect(chat.page.locator("#nr-sources mark.nr-quote").first).to_contain_text("September 19")
    # nothing wider than the screen: no sideways scrolling on a phone
    width = chat.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"page is {width}px wide on a {PHONE['width']}px screen"
    chat.shot("phone-02-answer")
    chat.ask("What was the October 3 deadline?")
    chat.shot("phone-03-refusal")
    assert chat.errors == []
    context.close()


def test_unsupported_sentence_keeps_its_warning_and_reason(browser: Browser, fake_server):
    """Gradio's HTML sanitizer must keep the ⚠ marking and its hover text (FakeAssistant
    answers with one sentence that failed the check, and one hostile answer)."""
    context = browser.new_context(viewport=DESKTOP)
    chat = ChatPage(context.new_page()).open(fake_server.url)
    chat.ask("What was the September 19 deadline?")
    flagged = chat.last_answer().locator(".nr-unsupported")
    expect(flagged).to_have_count(1)
    expect(flagged.locator(".nr-warn")).to_have_text("⚠")
    assert "October 30" in (flagged.get_attribute("title") or "")
    expect(chat.page.locator("#nr-sources .nr-checks")).to_contain_text("not in cited passage [2]")
    chat.shot("desktop-10-unsupported")
    chat.ask("hostile?")
    expect(chat.last_answer()).to_contain_text("<script>window.__pwned=1</script>")
    assert chat.page.evaluate("typeof window.__pwned") == "undefined"
    assert chat.page.locator("#nr-chat .message-content img, #nr-chat .message-content a").count() == 0
    assert chat.errors == []
    context.close()
