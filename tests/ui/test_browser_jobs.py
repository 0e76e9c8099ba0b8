"""The jobs besides answering, in a real Chromium: a greeting, a list of articles, a summary.

Same server and browser as `tests/ui/test_browser.py` (the seeds indexed with the real model).
Waits on what the page shows, never on time. Screenshots of the three states go to
`artifacts/screenshots/jobs-*.png` (viewport only) for a person to look at; the copies kept in
the repository, `reports/screenshots/`, were taken by this test on the seeds alone.
"""

from __future__ import annotations

import pytest

from tests.ui.test_browser import BOT, DESKTOP, SCREENSHOTS, ChatPage, browser  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser


from playwright.sync_api import expect  # noqa: E402


def _shot(chat: ChatPage, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chat.page.screenshot(path=str(SCREENSHOTS / f"jobs-{name}.png"))


def test_greeting_collection_and_summary(browser, live_server):  # noqa: F811
    context = browser.new_context(viewport=DESKTOP)
    chat = ChatPage(context.new_page()).open(live_server.url)
    page = chat.page

    total = live_server.assistant.status().articles  # the seeds, plus what other browser tests uploaded
    chat.ask("hello")
    greeting = chat.last_answer().locator(".nr-kind-greeting")
    expect(greeting).to_contain_text(f"{total} news articles")
    expect(greeting.locator(".nr-suggestion").filter(has_text="What are these articles about?")).to_have_count(1)
    expect(chat.last_answer().locator(".nr-cite")).to_have_count(0)
    _shot(chat, "greeting")

    chat.ask("Which articles mention Qassem Soleimani?")
    listed = chat.last_answer().locator(".nr-kind-collection")
    expect(listed.locator(".nr-heading")).to_have_text(f"2 of the {total} indexed articles mention Qassem Soleimani:")
    expect(listed.locator(".nr-list .nr-item")).to_have_count(2)
    expect(listed.locator(".nr-item .nr-cite")).to_have_text(["[1]", "[2]"])
    cards = page.locator("#nr-sources .nr-card")
    expect(cards).to_have_count(2)
    for i in range(2):
        expect(cards.nth(i).locator(".nr-passage mark.nr-quote")).to_contain_text("Soleimani")
    _shot(chat, "collection")

    chat.ask("Summarize the article about the Iranian ambassador")
    summary = chat.last_answer().locator(".nr-kind-summary")
    expect(summary.locator(".nr-heading")).to_contain_text("Summary of “Iran Amb. to Iraq dismisses claims")
    expect(summary.locator(".nr-summary .nr-sentence").first).to_be_visible()
    assert summary.locator(".nr-unsupported").count() == 0
    quote = page.locator("#nr-sources .nr-card").first.locator(".nr-passage mark.nr-quote")
    expect(quote).to_be_visible()
    _shot(chat, "summary")

    chat.tab("Why this answer")
    expect(page.locator("#nr-why .nr-job")).to_have_text("summary")
    assert page.locator(BOT).count() == 3 and chat.errors == []
    context.close()
