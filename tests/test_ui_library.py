"""The library and judging in headless Chromium: list, search, open, remove (with a confirmation); judge an
answer wrong with the expected answer and export it as a gold case."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import ARTICLES, ROOT
from test_ui_api import free_port

from rag.core.config import Config
from tests.parts import CHROMIUM, chromium_missing, need

pytestmark = pytest.mark.browser
TIMEOUT = 90_000


@pytest.fixture(scope="module")
def lib_config(tmp_path_factory: pytest.TempPathFactory, config: Config) -> Config:
    """A copy of the session index (this module removes an article from it)."""
    home = tmp_path_factory.mktemp("lib") / "home"
    shutil.copytree(config.home, home)
    return Config.load(home=home, articles_dir=ARTICLES)


@pytest.fixture(scope="module")
def page(lib_config):
    need("chromium", chromium_missing())
    from playwright.sync_api import sync_playwright

    from ui.app import build_app, launch

    app = build_app(lib_config)
    url = launch(app, port=free_port())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 1400})
        page.set_default_timeout(TIMEOUT)
        page.goto(url)
        page.locator("#rag-question textarea").wait_for()
        yield page
        browser.close()
    app.close()


def _rows(page) -> list[str]:
    # Gradio's Dataframe draws its body rows as div[role=row] (virtualised), not as table rows
    return page.locator("#rag-lib-table div[role=row][data-index]").all_inner_texts()


def test_library_lists_searches_opens_and_removes(page, lib_config):
    from rag.api import Index

    page.get_by_text("Library").click()
    page.wait_for_function("document.querySelectorAll('#rag-lib-table div[role=row][data-index]').length == 2")
    assert "2 articles" in page.locator("#rag-lib-info").inner_text()
    search = page.locator("#rag-lib-search textarea")
    search.fill("flexibility")
    search.press("Enter")
    page.wait_for_function("document.querySelectorAll('#rag-lib-table div[role=row][data-index]').length == 1")
    rows = _rows(page)
    assert len(rows) == 1 and "China urges US" in rows[0]

    page.locator("#rag-lib-table [data-testid=cell-0-1]").click()  # open it: its cleaned body
    page.wait_for_function("document.querySelector('#rag-lib-body')?.innerText.includes('refused to sign')")
    assert "Zhang Jun" in page.locator("#rag-lib-body").inner_text()

    page.locator("#rag-lib-remove").click()
    page.locator("#rag-lib-confirm").click()  # the confirmation step
    page.wait_for_function("document.querySelector('#rag-lib-removed')?.innerText.includes('will not be cited again')")
    search.fill("")
    search.press("Enter")
    page.wait_for_function("document.querySelector('#rag-lib-info')?.innerText.includes('1 article ')")
    index = Index(lib_config, first_use=lambda i: None)
    assert index.store.article_count() == 1 and index.store.check() == []
    answer = index.answer("Who refused to sign the statement?")
    assert all("flexibility" not in c.title for c in answer.citations)


def test_judging_wrong_with_the_expected_answer_exports_a_must_pass_gold_case(page, lib_config, tmp_path):
    box = page.locator("#rag-question textarea")
    box.fill("What did China's ambassador ask the United States to do?")
    box.press("Enter")
    page.wait_for_function(
        "() => { const b = [...document.querySelectorAll('#rag-chat .message-row')].pop();"
        " return b && !/Searching the articles|…\\s*$/.test(b.innerText.trim()); }", timeout=TIMEOUT)
    page.get_by_text("Judge the last answer").click()
    page.locator("#rag-expected textarea").fill("reduce tensions with North Korea")
    page.locator("#rag-wrong").click()
    page.wait_for_function("document.querySelector('#rag-judged')?.innerText.includes('wrong')")

    out = tmp_path / "judged.jsonl"
    env = {**os.environ, "RAG_HOME": str(lib_config.home), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "rag.cli", "eval", "export-feedback", "--out", str(out)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert done.returncode == 0 and "1 must-pass" in done.stdout, done.stdout + done.stderr
    from evals.gold import load_gold

    (case,) = load_gold(out)
    assert case.facts == [["reduce tensions with North Korea"]] and case.evidence


def test_the_conversation_exports_as_markdown_from_the_chat(page, lib_config):
    # The page already holds an answer (the judging test above asked one).
    page.get_by_text("Export the conversation").click()
    page.locator("#rag-export-button").click()
    page.wait_for_function("document.querySelector('#rag-export-file')?.innerText.includes('conversation-')")
    exported = sorted((lib_config.home / "exports").glob("conversation-*.md"))
    assert exported, "no file written"
    text = exported[-1].read_text(encoding="utf-8")
    assert "**Q1.** What did China's ambassador ask the United States to do?" in text and "[^1-1]: " in text


def test_thumbs_down_under_an_answer_records_it(page, lib_config):
    from rag.storage.feedback import FeedbackLog

    before = len(FeedbackLog(lib_config.home).all())
    thumbs = page.locator("#rag-chat button[aria-label='Dislike'], #rag-chat button[title='Dislike']")
    thumbs.first.click()
    for _ in range(100):  # up to 30 s for the event to reach the server
        if len(FeedbackLog(lib_config.home).all()) > before:
            break
        page.wait_for_timeout(300)
    got = FeedbackLog(lib_config.home).all()
    assert len(got) == before + 1 and got[-1]["verdict"] == "wrong"
    assert got[-1]["question"] == "What did China's ambassador ask the United States to do?"
