"""The chat with the llm engine in headless Chromium, against a real SmolLM2 server: streamed, cited, verified."""
from __future__ import annotations

import dataclasses
import re

import pytest

from rag.core.config import Config
from rag.storage.store import Store
from tests.conftest import ARTICLES
from tests.llm_server import free_port, llm_url  # noqa: F401 (fixture)
from tests.parts import CHROMIUM, chromium_missing, need

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.slow, pytest.mark.llm]  # llm: see tests/conftest.py

QUESTION = "Who refused to sign the statement?"
ANSWER_TIMEOUT = 900_000  # ms: a 1,700-token prompt on two shared cores can take minutes


@pytest.fixture(scope="module")
def llm_ui_config(tmp_path_factory: pytest.TempPathFactory, llm_url: str) -> Config:  # noqa: F811
    cfg = Config.load(home=tmp_path_factory.mktemp("ui_llm_home"), articles_dir=ARTICLES)
    return dataclasses.replace(cfg, llm_url=llm_url, llm_model="smollm2", llm_timeout=300.0)


@pytest.fixture(scope="module")
def page(llm_ui_config):
    need("chromium", chromium_missing())  # skips with the reason, or fails under CI=true
    from playwright.sync_api import sync_playwright

    from ui.app import build_app, launch

    app = build_app(llm_ui_config)
    url = launch(app, port=free_port())
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(90_000)
        page.dialogs = []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.goto(url)
        page.locator("#rag-question textarea").wait_for()
        yield page
        browser.close()
    app.close()


def test_llm_engine_streams_a_verified_cited_answer(page, llm_ui_config):
    page.get_by_text("Filters").first.click()
    engine = page.locator("#rag-engine")
    # The accordion opens asynchronously: wait for the control (90 s default), then check what it offers.
    engine.wait_for(state="visible")  # shown because an LLM is configured
    assert "llm" in engine.inner_text()
    engine.get_by_text("llm", exact=True).click()
    assert engine.locator("input[value=llm]").is_checked()

    # record every state of the answer bubble, to see it grow while the model writes
    page.evaluate("""() => { window.__states = [];
        new MutationObserver(() => { const b = document.querySelector('#rag-chat [data-testid=bot]');
            if (b) window.__states.push(b.innerText.trim()); })
        .observe(document.querySelector('#rag-chat'), {subtree: true, childList: true, characterData: true}); }""")
    box = page.locator("#rag-question textarea")
    box.fill(QUESTION)
    box.press("Enter")
    bot = page.locator("#rag-chat [data-testid=bot]").first
    bot.wait_for()
    # done when the "Searching" placeholder and the growing-answer mark "…" are gone
    page.wait_for_function(
        "() => { const b = document.querySelector('#rag-chat [data-testid=bot]');"
        " return b && !/Searching the articles|…\\s*$/.test(b.innerText.trim()) && !document.querySelector('#rag-chat .pending'); }",
        timeout=ANSWER_TIMEOUT)
    text = bot.inner_text()
    print("UI llm answer:", text)
    assert bot.locator(".rag-refused").count() == 0 and "rag-error" not in bot.inner_html()

    # The answer is the llm engine's (its own sentences, or the extractive one with the fallback note) ...
    from rag.api import get_index

    extractive = get_index(llm_ui_config).answer(QUESTION)
    fallback = "(Extractive answer:" in text
    assert fallback or re.sub(r"\s+", " ", text).strip() != re.sub(r"\s+", " ", extractive.text).strip()
    if fallback:
        assert all(country in text for country in ("China", "Russia", "Gabon"))
    elif len(re.findall(r"[.!?\"”’]\s*(?:\[\d+\]\s*)+", text)) >= 2:
        # two or more kept sentences: the first was shown (checked, with "…") before the model finished
        growing = [t for t in page.evaluate("() => window.__states") if t.endswith("…") and "Searching" not in t]
        assert growing, "no intermediate (growing) answer was shown"

    # ... and every [n] links to a source card whose highlighted sentence is verbatim in an indexed article.
    links = bot.locator('a[href^="#src-0-"]')
    markers = set(re.findall(r"\[(\d+)\]", text))
    assert links.count() >= 1 and markers
    assert {h.rsplit("-", 1)[1] for h in links.evaluate_all("els => els.map(e => e.getAttribute('href'))")} == markers
    store = Store(llm_ui_config)
    squash = lambda t: re.sub(r"\s+", " ", t).strip()  # noqa: E731
    bodies = [squash(store.body(a) or "") for a in store.content_hashes()]
    assert len(bodies) == 2
    for n in sorted(markers, key=int):
        bot.locator(f'a[href="#src-0-{n}"]').first.click()
        page.wait_for_function(f"() => document.querySelector('#src-0-{n}').classList.contains('rag-selected')")
        card = page.locator(f"#src-0-{n}")
        mark = card.locator("mark").inner_text()
        assert card.is_visible() and len(mark) > 10
        assert any(squash(mark) in b for b in bodies), mark
    assert page.dialogs == []
