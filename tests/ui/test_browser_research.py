"""Dates, republished copies, a disputed claim and the timeline, in a real Chromium on a real index.

The index holds the seeds, three dated Global Voices stories from the development data
(CC BY 3.0) and a republished copy of one of them (a new headline, a wire dateline, the last
paragraphs dropped, "first appeared on"), indexed by the real Indexer with the packaged model
and served by the real server. Waits on what the page shows, never on time. Screenshots go to
`artifacts/screenshots/research-*.png`; the copies in `reports/screenshots/` were taken by this test.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from newsrag.settings import Settings
from tests.ui.test_browser import ANSWER_TIMEOUT_MS, DESKTOP, SCREENSHOTS, ChatPage, browser  # noqa: F401

pytestmark = pytest.mark.browser

from playwright.sync_api import expect  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
STORIES = (0, 2, 18)  # Global Voices records: the Hong Kong vigil, Wuhan's lockdown, Hong Kong entrepreneurs


def _write_corpus(folder: Path) -> None:
    shutil.copytree(ROOT / "seeds", folder)
    with gzip.open(ROOT / "evals" / "devdata" / "globalvoices" / "articles.jsonl.gz", "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    with (folder / "globalvoices.jsonl").open("w", encoding="utf-8") as out:
        for n in STORIES:
            r = records[n]
            out.write(json.dumps({k: r[k] for k in ("title", "text", "url", "source", "published")}) + "\n")
    paragraphs = [p for p in records[0]["text"].split("\n") if p.strip()]
    copy = "\n".join(["HONG KONG (Asia Wire) -- " + paragraphs[0], *paragraphs[1:-2],
                      "This article first appeared on Global Voices."])
    (folder / "wire-copy.md").write_text("---\ntitle: Hong Kong vigil draws record crowd on Tiananmen anniversary\n"
                                         f"date: 2019-06-06\nsource: Asia Wire\n---\n{copy}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def research_server(tmp_path_factory):
    from ui.server import launch

    root = tmp_path_factory.mktemp("ui-research")
    _write_corpus(root / "articles")
    settings = Settings(data_dir=root / "data", host="127.0.0.1", port=0)
    server = launch(settings, index_paths=[root / "articles"], block=False, quiet=True)
    yield server
    server.close()


def _viewport_shot(chat: ChatPage, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # what a user sees at 1280x800, not the whole page
    chat.page.screenshot(path=str(SCREENSHOTS / f"research-{name}.png"))


def test_dates_copies_disputes_and_the_timeline(browser, research_server):  # noqa: F811
    context = browser.new_context(viewport=DESKTOP)
    chat = ChatPage(context.new_page()).open(research_server.url)
    page = chat.page

    # A "when" answer: the relative date resolved beside the quote, and the republished copy listed once.
    chat.ask("When was the candlelight vigil at Victoria Park?")
    expect(chat.last_answer().locator(".nr-answer")).to_contain_text("Tuesday")
    card = page.locator("#nr-sources .nr-card").first
    expect(card.locator(".nr-date")).to_contain_text("Tuesday night = 2019-06-04")
    expect(card.locator(".nr-also-in")).to_contain_text("Hong Kong vigil draws record crowd on Tiananmen anniversary")
    expect(card.locator(".nr-also-in")).to_contain_text("Asia Wire")
    cited_titles = page.locator("#nr-sources .nr-card .nr-title").all_inner_texts()
    assert not ({"Hong Kong vigil draws record crowd on Tiananmen anniversary",
                 "Record crowd commemorates Tiananmen Massacre at Hong Kong candlelight vigil"} <= set(cited_titles))
    _viewport_shot(chat, "dates-and-copies")

    # A claim reported with its denial: the answer says it is disputed and shows where.
    chat.ask("What did the ambassador say about the claims of a ground operation?")
    box = chat.last_answer().locator(".nr-disagree")
    expect(box).to_be_visible()
    expect(box.locator(".nr-disagree-head")).to_contain_text("Disputed")
    expect(box.locator(".nr-side").first).to_contain_text("dismissed")
    _viewport_shot(chat, "disputed")

    # The timeline: dated sentences of the matching articles, earliest first, one copy per story.
    chat.tab("Timeline")
    page.fill("#nr-timeline-query textarea", "Hong Kong Tiananmen vigil")
    page.click("#nr-timeline-go")
    entries = page.locator("#nr-timeline .nr-tl-entry")
    expect(entries.first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    dates = [d for d in entries.evaluate_all("els => els.map(e => e.dataset.date)")]
    assert dates == sorted(dates) and len(dates) >= 5
    expect(page.locator("#nr-timeline")).to_contain_text("1989-06-04")
    expect(page.locator("#nr-timeline")).to_contain_text("counted from the article date")
    assert page.locator("#nr-timeline .nr-tl-source .nr-title").filter(
        has_text="Hong Kong vigil draws record crowd on Tiananmen anniversary").count() == 0  # shown as a copy
    _viewport_shot(chat, "timeline")
    assert chat.errors == []
    context.close()
