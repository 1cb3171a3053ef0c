"""The chat in headless Chromium: ask, click [1], see the sentence; upload and ask; hostile articles stay inert."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ARTICLES, ROOT, SEVEN
from test_ui_api import free_port

from rag.api import answer
from rag.core.config import Config
from tests.parts import CHROMIUM, chromium_missing, need

pytestmark = pytest.mark.browser

SCREENSHOT = ROOT / "docs" / "ui.png"
QUESTION = "Who refused to sign the statement?"
TIMEOUT = 90_000  # ms; the machine's two cores are shared


@pytest.fixture(scope="module")
def ui_config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """A fresh index (this module adds articles to it): the app indexes articles/ itself on start."""
    return Config.load(home=tmp_path_factory.mktemp("ui_home"), articles_dir=ARTICLES)


@pytest.fixture(scope="module")
def url(ui_config):
    from ui.app import build_app, launch

    app = build_app(ui_config)  # the index is empty: this indexes articles/ first
    yield launch(app, port=free_port())
    app.close()


@pytest.fixture(scope="module")
def browser():
    need("chromium", chromium_missing())  # skips with the reason, or fails under CI=true
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture
def page(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(TIMEOUT)
    page.dialogs = []  # any alert()/confirm() an article manages to run lands here
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.locator("#rag-question textarea").wait_for()
    yield page
    page.close()


def ask(page, question: str):
    """Type a question, press Enter, and wait until its answer has finished streaming."""
    before = page.locator("#rag-chat [data-testid=bot]").count()
    box = page.locator("#rag-question textarea")
    box.fill(question)
    box.press("Enter")
    bot = page.locator("#rag-chat [data-testid=bot]").nth(before)
    bot.wait_for()
    # streaming is over when the last partial ("… ") and the "Searching" placeholder are gone
    page.wait_for_function(
        "n => { const b = document.querySelectorAll('#rag-chat [data-testid=bot]')[n];"
        " return b && !/Searching the articles|…\\s*$/.test(b.innerText.trim()) && !document.querySelector('#rag-chat .pending'); }",
        arg=before,
    )
    return bot


def test_ask_click_marker_and_see_highlighted_sentence(page, ui_config):
    page.locator("#rag-chat").get_by_text(QUESTION).first.wait_for()  # example questions on first load
    assert re.search(r"2 articles · \d+ chunks · last indexed 20\d\d-", page.locator("#rag-status").inner_text())
    bot = ask(page, QUESTION)
    text = bot.inner_text()
    assert all(country in text for country in SEVEN), text
    expected = answer(QUESTION, config=ui_config).citations[0]
    card = page.locator("#src-0-1")
    bot.locator('a[href="#src-0-1"]').first.click()
    page.wait_for_function("() => document.querySelector('#src-0-1').classList.contains('rag-selected')")
    assert card.is_visible()
    assert card.locator("mark").inner_text() == expected.text
    assert expected.title in card.inner_text() and (expected.source or "") in card.inner_text()
    # the seven-country sentence is highlighted in one of the sources, with its neighbours around it
    marks = page.locator("#rag-sources mark").all_inner_texts()
    assert any("Gabon, Ghana, India, Kenya, Mexico" in m for m in marks)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert page.dialogs == []


def test_refusal_looks_different(page):
    bot = ask(page, "How do I bake banana bread?")
    assert bot.locator(".rag-refused").count() == 1 and "Not in the articles" in bot.inner_text()
    assert bot.locator('a[href^="#src-"]').count() == 0


def upload(page, files: list[Path]) -> str:
    page.locator("#rag-add").get_by_text("Add articles").first.click()
    page.locator("#rag-upload input[type=file]").set_input_files([str(f) for f in files])
    report = page.locator("#rag-upload-report")
    page.wait_for_function("() => /Indexed|Skipped/.test(document.querySelector('#rag-upload-report').innerText)")
    return report.inner_text()


def test_upload_then_ask(page, tmp_path):
    good = tmp_path / "harbour.txt"
    good.write_text("Port Elvar opens its new pier\n\nThe Daily Quay\n\n"
                    "The harbour master of Port Elvar, Ilse Brandtner, opened the new deep-water pier on Tuesday "
                    "after two years of construction.\n\nThe pier can berth four cargo ships at once, the port said.\n")
    bad = tmp_path / "broken.json"
    bad.write_text('{"title": "oops", ')
    report = upload(page, [good, bad])
    assert "Indexed harbour.txt" in report and "Skipped broken.json" in report and "invalid JSON" in report
    page.wait_for_function("() => /^3 articles/.test(document.querySelector('#rag-status').innerText)")
    bot = ask(page, "Who opened the new pier in Port Elvar?")
    assert "Ilse Brandtner" in bot.inner_text() and bot.locator(".rag-refused").count() == 0
    bot.locator('a[href^="#src-"]').first.click()
    assert "Port Elvar opens its new pier" in page.locator(".rag-card.rag-selected").inner_text()


def test_hostile_article_renders_inert(page, tmp_path):
    payload = ('The Quorvath council banned <script>window.__pwned=1;alert("script")</script> tags, '
               '<img src=x onerror="window.__pwned=2;alert(\'img\')"> images and '
               '[a link](javascript:alert("md")) on Monday, clerk ${alert("tpl")} {{constructor}} said.')
    record = {"title": "Quorvath <b>council</b> <img src=x onerror=alert('title')>", "source": "The <i>Wire</i>",
              "published_at": "2024-03-01", "body": payload + "\n\nThe vote passed by nine votes to two."}
    evil = tmp_path / "quorvath.jsonl"
    evil.write_text(json.dumps(record) + "\n")
    assert "Indexed quorvath.jsonl" in upload(page, [evil])
    bot = ask(page, "What did the Quorvath council ban on Monday?")
    assert bot.locator(".rag-refused").count() == 0
    bot.locator('a[href^="#src-"]').first.click()
    card = page.locator(".rag-card.rag-selected")
    shown = card.inner_text()
    # the markup is shown as text ...
    assert "<script>" in shown and "onerror=" in shown and "[a link](javascript:" in shown and "<b>council</b>" in shown
    assert "<script>" in bot.inner_text() and "[a link](javascript:" in bot.inner_text()
    # ... and nothing ran or was injected
    page.wait_for_timeout(500)
    assert page.dialogs == []
    assert page.evaluate("() => window.__pwned") is None
    injected = page.evaluate("""() => [
        document.querySelectorAll('#rag-chat img[src="x"], #rag-sources img, #rag-chat script, #rag-sources script').length,
        document.querySelectorAll('a[href^="javascript"], #rag-sources b b, #rag-sources i, #rag-chat b, #rag-chat i').length]""")
    assert injected == [0, 0]


def test_date_filter_and_new_conversation(page):
    page.get_by_text("Filters").first.click()
    page.locator("#rag-filter-since textarea, #rag-filter-since input").first.fill("2031-01-01")
    bot = ask(page, QUESTION)
    assert bot.locator(".rag-refused").count() == 1  # nothing was published after 2031
    page.locator("#rag-filter-since textarea, #rag-filter-since input").first.fill("not a date")
    bot = ask(page, QUESTION)
    assert "is not a date" in bot.inner_text()
    page.get_by_role("button", name="New conversation").click()
    page.wait_for_function("() => document.querySelectorAll('#rag-chat [data-testid=bot]').length === 0")


def test_example_question_then_follow_up(page):
    before = page.locator("#rag-chat [data-testid=bot]").count()
    page.locator("#rag-chat").get_by_text("When will Blinken hold talks in Hawaii?").first.click()
    page.wait_for_function(
        "n => { const b = document.querySelectorAll('#rag-chat [data-testid=bot]')[n];"
        " return b && /12 February/.test(b.innerText) && !/…\\s*$/.test(b.innerText.trim()); }", arg=before)
    # "And with whom?" alone is refused; as a follow-up it is answered from the conversation
    bot = ask(page, "And with whom?")
    assert bot.locator(".rag-refused").count() == 0 and "South Korea and Japan" in bot.inner_text()


def test_question_sent_while_an_answer_streams_is_not_dropped(page):
    before = page.locator("#rag-chat [data-testid=bot]").count()
    box = page.locator("#rag-question textarea")
    box.fill(QUESTION)
    box.press("Enter")
    page.locator("#rag-chat [data-testid=bot]").nth(before).wait_for()  # first answer under way
    box.fill("When will Blinken hold talks in Hawaii?")
    box.press("Enter")
    page.wait_for_function(
        "n => { const b = document.querySelectorAll('#rag-chat [data-testid=bot]')[n];"
        " return b && /12 February/.test(b.innerText) && !/…\\s*$/.test(b.innerText.trim()); }",
        arg=before + 1, timeout=120_000)
    first = page.locator("#rag-chat [data-testid=bot]").nth(before).inner_text()
    assert all(c in first for c in SEVEN), first  # the first answer was neither cut short nor overwritten
