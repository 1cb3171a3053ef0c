"""The Gradio chat: streamed cited answers, a sources panel, filters, status, and uploads."""
from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import gradio as gr

from index.read import SUFFIXES
from rag.api import Index, get_index
from rag.core.config import Config
from rag.core.errors import RagError
from rag.engines.registry import DEFAULT_ENGINE, available
from ui import render
from ui.answers import steps, streams
from ui.library import build_library
from ui.uploads import add_files

EXAMPLES = [
    "Who refused to sign the statement?",
    "When will Blinken hold talks in Hawaii?",
    "What did China's ambassador ask the United States to do?",
]
UPLOAD_TYPES = list(SUFFIXES)
ASSETS = Path(__file__).parent / "assets"


def status_line(index: Index) -> str:
    """What is indexed: articles, chunks, last indexed (UTC)."""
    store = index.store
    last = store.last_indexed()
    when = last.replace("T", " ").replace("+00:00", " UTC") if last else "never"
    return f"**{store.article_count()} articles** · {store.chunk_count()} chunks · last indexed {when}"


def _day(text: str | None, label: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RagError(f"{label} date {text!r} is not a date; use YYYY-MM-DD") from None


def build_app(config: Config | None = None) -> gr.Blocks:
    """The chat app over `config`'s index (indexes articles/ first if the index is empty)."""
    index = get_index(config)
    index.ensure_indexed()
    uploads = Path(index.config.home) / "uploads"
    # Only engines that can run here are offered (the llm engine needs its package and a configured LLM).
    engines = available(index.config)

    def respond(message: str, shown: list, turns: list, sections: list, sources: list[str] | None,
                since: str, until: str, engine: str) -> Iterator[tuple]:
        # The chat so far comes from server-side state, not from the Chatbot's value: a question sent while
        # an answer streams may carry a snapshot taken mid-stream, which would overwrite that answer.
        question = (message or "").strip()
        if not question:
            yield gr.update(), shown, shown, turns, sections, gr.update()
            return
        chat = shown + [{"role": "user", "content": render.escape_md(question)},
                        {"role": "assistant", "content": "*Searching the articles…*"}]
        yield "", chat, shown, turns, sections, gr.update()
        turn, answer = len(sections), None
        # Only the first yield clears the box: later ones leave it alone, so a question typed while
        # this answer streams is kept (and, with trigger_mode="always_last", sent next).
        keep = gr.update()
        try:
            for answer, final in steps(index, question, engine=engine or None, history=turns or None,
                                       sources=sources or None, since=_day(since, "From"), until=_day(until, "To")):
                # Each step's sources are its own citations, so every [n] shown links to a card.
                section = render.sources_section(turn, answer, index.store.body)
                chat[-1] = {"role": "assistant", "content": render.chat_markdown(answer, turn)}
                yield keep, chat, shown, turns, sections, render.sources_panel(sections + [section])
                if not final and not streams(engine or None):
                    time.sleep(0.02)  # simulated streaming of the extractive answer
        except (RagError, ValueError) as exc:
            chat[-1] = {"role": "assistant", "content": f'<div class="rag-error">\n\n{render.escape_md(str(exc))}\n\n</div>'}
            yield keep, chat, chat, turns, sections, render.sources_panel(sections) if sections else gr.update()
            return
        if answer is None:
            return
        sections = sections + [render.sources_section(turn, answer, index.store.body)]
        # The assistant turn keeps the whole answer too, so "Judge the last answer" records what was shown.
        turns = turns + [{"role": "user", "content": question},
                         {"role": "assistant", "content": answer.text, "answer": answer.to_dict()}]
        yield keep, chat, chat, turns, sections, render.sources_panel(sections)

    def chat_api(message: str) -> str:
        """Ask the indexed articles; returns the answer as Markdown with [n] markers and its sources."""
        try:
            return render.api_markdown(index.answer(message))
        except RagError as exc:
            raise gr.Error(str(exc)) from None

    def answer_api(question: str) -> dict:
        """Ask the indexed articles; returns the answer as JSON: Answer.to_dict() (text with [n], citations, refused)."""
        try:
            return index.answer(question).to_dict()
        except RagError as exc:
            raise gr.Error(str(exc)) from None

    def add(paths: list[str] | None) -> tuple:
        files = [(Path(p).name, Path(p)) for p in paths or []]
        result = add_files(files, uploads, index.store)
        lines = []
        if result.indexed:
            lines.append(f"Indexed {', '.join(render.escape_md(n) for n in result.indexed)}: {result.added} new and "
                         f"{result.updated} changed articles ({result.chunks} chunks), {result.unchanged} unchanged.")
        for name, reason in result.skipped:
            lines.append(f"**Skipped {render.escape_md(name)}**: {render.escape_md(reason)}")
        report = "\n\n".join(lines) or "No files."
        return report, status_line(index), gr.update(choices=index.store.sources()), None

    # delete_cache: Gradio's copies of uploaded files go after an hour (ours stay in RAG_HOME/uploads).
    with gr.Blocks(title="newsrag — cited answers from news articles", analytics_enabled=False,
                   delete_cache=(3600, 3600)) as app:
        gr.Markdown("## Ask the articles\nEvery claim cites the exact sentence; click a **[n]** to see it in its article.")
        status = gr.Markdown(status_line(index), elem_id="rag-status")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Chat", elem_id="rag-chat", height=480, latex_delimiters=[],
                    feedback_options=("Like", "Dislike"),  # right / wrong: recorded for `rag eval export-feedback`
                    buttons=["copy", "copy_all"],  # no "share": it would upload the chat to a hub
                    examples=[{"text": q} for q in EXAMPLES], placeholder="Ask a question about the indexed articles.",
                )
                message = gr.Textbox(show_label=False, placeholder="Ask a question and press Enter", elem_id="rag-question",
                                     submit_btn="Ask", max_lines=4)
                clear = gr.Button("New conversation", size="sm")
            with gr.Column(scale=2):
                gr.Markdown("### Sources")
                panel = gr.HTML(render.sources_panel([]), elem_id="rag-sources")
        with gr.Accordion("Filters", open=False):
            with gr.Row():
                source_filter = gr.Dropdown(choices=index.store.sources(), multiselect=True, label="Sources",
                                            info="only these outlets (none selected: all)", elem_id="rag-filter-source")
                since = gr.Textbox(label="From", placeholder="YYYY-MM-DD", elem_id="rag-filter-since")
                until = gr.Textbox(label="To", placeholder="YYYY-MM-DD", elem_id="rag-filter-until")
                engine = gr.Radio(choices=engines, value=DEFAULT_ENGINE, label="Answer engine",
                                  visible=len(engines) > 1, elem_id="rag-engine")
        with gr.Accordion("Add articles", open=False, elem_id="rag-add"):
            files = gr.File(file_count="multiple", file_types=UPLOAD_TYPES, label=".txt .md .html .json .jsonl",
                            elem_id="rag-upload")
            upload_report = gr.Markdown(elem_id="rag-upload-report")
        build_library(app, index)
        with gr.Accordion("Judge the last answer", open=False, elem_id="rag-judge"):
            expected = gr.Textbox(label="If it is wrong: the right answer, or a note (optional)", elem_id="rag-expected",
                                  max_lines=3)
            with gr.Row():
                right = gr.Button("Right", size="sm", elem_id="rag-right")
                wrong = gr.Button("Wrong", size="sm", elem_id="rag-wrong")
            judged = gr.Markdown(elem_id="rag-judged")
        with gr.Accordion("Export the conversation", open=False, elem_id="rag-export"):
            export = gr.Button("Export as Markdown (citations as footnotes)", size="sm", elem_id="rag-export-button")
            exported = gr.File(label="conversation.md", elem_id="rag-export-file", interactive=False)
        shown = gr.State([])  # the chat's messages as of the last finished answer
        turns = gr.State([])
        sections = gr.State([])

        inputs = [message, shown, turns, sections, source_filter, since, until, engine]
        outputs = [message, chatbot, shown, turns, sections, panel]
        # "always_last": a question sent while the previous answer is still finishing runs next, instead
        # of being dropped (Gradio's default "once" ignores submits while an event is pending).
        message.submit(respond, inputs, outputs, api_visibility="private", trigger_mode="always_last")
        chatbot.example_select(_example_text, None, message, api_visibility="private",
                               queue=False).then(respond, inputs, outputs, api_visibility="private")
        def reset() -> tuple:
            return "", [], [], [], [], render.sources_panel([])

        clear.click(reset, None, outputs, api_visibility="private", queue=False)
        chatbot.clear(reset, None, outputs, api_visibility="private", queue=False)  # the chat's own bin icon
        for button, verdict in ((right, "right"), (wrong, "wrong")):
            button.click(lambda t, e, v=verdict: (judge_last(index, t, v, e), ""), [turns, expected], [judged, expected],
                         api_visibility="private", queue=False)
        export.click(lambda t: export_conversation(index, t), [turns], [exported], api_visibility="private")

        def on_thumb(shown_now: list, turns_now: list, text: str, evt: gr.LikeData) -> tuple:
            position = evt.index if isinstance(evt.index, int) else evt.index[0]
            verdict = "right" if evt.liked is True or evt.liked == "Like" else "wrong"
            return judge_message(index, shown_now, turns_now, position, verdict, text), ""

        chatbot.like(on_thumb, [shown, turns, expected], [judged, expected], api_visibility="private", queue=False)
        files.upload(add, files, [upload_report, status, source_filter, files], api_visibility="private")
        app.load(lambda: (status_line(index), gr.update(choices=index.store.sources())), None,
                 [status, source_filter], api_visibility="private", queue=False)
        gr.api(chat_api, api_name="chat")
        gr.api(answer_api, api_name="answer")
    return app


def export_conversation(index: Index, turns: list[dict]) -> str | None:
    """Write the conversation so far as Markdown under RAG_HOME/exports/ and return its path (None if empty)."""
    from datetime import UTC, datetime

    from rag.chat import conversation_markdown

    pairs = [(turns[i - 1]["content"], t["answer"]) for i, t in enumerate(turns)
             if t.get("role") == "assistant" and t.get("answer") and i > 0]
    if not pairs:
        return None
    folder = Path(index.config.home) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"conversation-{datetime.now(UTC):%Y%m%d-%H%M%S-%f}.md"
    path.write_text(conversation_markdown(pairs), encoding="utf-8")
    return str(path)


def judge_last(index: Index, turns: list[dict], verdict: str, expected: str | None) -> str:
    """Record the last answer of the conversation as right or wrong; the Markdown line the chat shows."""
    answers = [i for i, t in enumerate(turns) if t.get("role") == "assistant" and t.get("answer")]
    return judge_turn(index, turns, answers[-1] if answers else None, verdict, expected)


def judge_message(index: Index, shown: list[dict], turns: list[dict], position: int | None, verdict: str,
                  expected: str | None) -> str:
    """Record the answer shown as chat message number `position` (the thumbs under each answer)."""
    # Messages that are answers, in order; error bubbles are chat messages but not turns.
    shown_answers = [i for i, m in enumerate(shown) if m.get("role") == "assistant"
                     and not str(m.get("content", "")).startswith('<div class="rag-error">')]
    turn_answers = [i for i, t in enumerate(turns) if t.get("role") == "assistant" and t.get("answer")]
    if position not in shown_answers or shown_answers.index(position) >= len(turn_answers):
        return "That message is not an answer that can be judged."
    return judge_turn(index, turns, turn_answers[shown_answers.index(position)], verdict, expected)


def judge_turn(index: Index, turns: list[dict], at: int | None, verdict: str, expected: str | None) -> str:
    """Record `turns[at]` (an assistant turn holding its answer) as right or wrong, with what came before it."""
    if at is None:
        return "Ask a question first: there is no answer to judge yet."
    last = turns[at]
    before = turns[: at - 1]
    history = [{"role": t["role"], "content": t["content"]} for t in before]
    text = (expected or "").strip()
    # A "right" answer needs no expected answer: whatever was typed is kept as a note.
    n = index.judge(last["answer"], verdict, history=history, expected=text if verdict == "wrong" else None,
                    note=text if verdict == "right" else None)
    return (f"Recorded judgement #{n}: **{verdict}**. `rag eval export-feedback --out FILE` turns judgements into "
            "gold cases for `rag eval --gold FILE`.")


def _example_text(evt: gr.SelectData) -> str:
    return evt.value["text"]


def launch(app: gr.Blocks, host: str = "127.0.0.1", port: int | None = 7860,
           auth: tuple[str, str] | None = None, quiet: bool = True) -> str:
    """Start serving `app` in the background (no share link, no analytics); returns its local URL."""
    _, url, _ = app.launch(server_name=host, server_port=port, auth=auth, share=False, prevent_thread_lock=True,
                           quiet=quiet, **_page_options())
    return url


def mount(api, app: gr.Blocks, auth: tuple[str, str] | None = None):
    """Mount the chat page at "/" of `api` (a FastAPI app), with the same page options as `launch`."""
    return gr.mount_gradio_app(api, app, path="/", auth=auth, **_page_options())


def _page_options() -> dict:
    return dict(max_file_size="64mb", footer_links=["api"], ssr_mode=False, mcp_server=False, theme=_theme(),
                css=(ASSETS / "app.css").read_text(encoding="utf-8"), js=(ASSETS / "app.js").read_text(encoding="utf-8"))


def _theme() -> gr.themes.Base:
    # System fonts: the default theme fetches Google Fonts, and this app runs offline.
    return gr.themes.Soft(font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
