"""The article library in the chat: every indexed article, searchable and paged; open one to read what the
reader kept (what citations point into); remove one (with a confirmation) so it is never cited again."""
from __future__ import annotations

import gradio as gr

from rag.api import Index
from ui import render

PAGE = 25
COLUMNS = ["article_id", "title", "outlet", "date", "chunks", "file"]


def library_page(index: Index, query: str | None, source: str | None, page: int | float | None) -> tuple[list[list], str]:
    """One page of articles (newest first) matching a title search and an outlet, and a line saying which page."""
    total, rows = index.store.list_articles(0, 1, query or None, source or None)
    pages = max(1, -(-total // PAGE))
    number = min(max(1, int(page or 1)), pages)
    _, rows = index.store.list_articles((number - 1) * PAGE, PAGE, query or None, source or None)
    table = [[r["article_id"], r["title"], r["source"] or "", r["published"] or "", r["n_chunks"],
              (r["path"] or "").rsplit("/", 1)[-1]] for r in rows]
    return table, f"{total} article{'s' if total != 1 else ''} · page {number} of {pages}"


def open_article(index: Index, article_id: str | None) -> str:
    """An article's metadata and cleaned body as safe Markdown (the text every citation offset points into)."""
    article = index.store.article(article_id) if article_id else None
    if article is None:
        return "Select an article in the table to read it."
    meta = render.meta_line(article.title, article.source, article.published)
    where = f"\n\n`{render.escape_md(article.article_id)}` · from {render.escape_md(article.path or 'an upload')}"
    return f"{meta}{where}\n\n" + "\n\n".join(render.escape_md(p) for p in article.body.split("\n") if p.strip())


def remove_article(index: Index, article_id: str | None) -> str:
    """Take the article out of Chroma, the keyword index and the article table (as `rag remove`)."""
    if not article_id:
        return "Select an article first."
    removed = index.store.remove([article_id])
    return f"Removed `{render.escape_md(article_id)}`: it will not be cited again." if removed else "Already removed."


def build_library(app: gr.Blocks, index: Index) -> None:
    """The library panel, inside `app` (filled when the page loads)."""
    with gr.Accordion("Library", open=False, elem_id="rag-library"):
        with gr.Row():
            query = gr.Textbox(label="Search titles", elem_id="rag-lib-search", scale=3)
            source = gr.Dropdown(choices=[""] + index.store.sources(), value="", label="Outlet", elem_id="rag-lib-source")
            page = gr.Number(value=1, precision=0, minimum=1, label="Page", elem_id="rag-lib-page")
        info = gr.Markdown(elem_id="rag-lib-info")
        table = gr.Dataframe(headers=COLUMNS, interactive=False, elem_id="rag-lib-table", wrap=True)
        chosen = gr.State("")
        body = gr.Markdown("Select an article in the table to read it.", elem_id="rag-lib-body")
        with gr.Row():
            remove = gr.Button("Remove this article", size="sm", elem_id="rag-lib-remove")
            confirm = gr.Button("Yes, remove it", size="sm", variant="stop", visible=False, elem_id="rag-lib-confirm")
        removed = gr.Markdown(elem_id="rag-lib-removed")

        def refresh(q: str, s: str, p: float) -> tuple:
            return library_page(index, q, s, p)

        def pick(rows: list, evt: gr.SelectData) -> tuple:
            article_id = str(evt.row_value[0]) if evt.row_value else ""
            return article_id, open_article(index, article_id), gr.update(visible=False), ""

        def drop(article_id: str, q: str, s: str, p: float) -> tuple:
            message = remove_article(index, article_id)
            rows, line = library_page(index, q, s, p)
            return message, gr.update(visible=False), rows, line, "", open_article(index, None)

        for trigger in (query.submit, source.change, page.change):
            trigger(refresh, [query, source, page], [table, info], api_visibility="private", queue=False)
        table.select(pick, [table], [chosen, body, confirm, removed], api_visibility="private", queue=False)
        remove.click(lambda a: gr.update(visible=bool(a)), [chosen], [confirm], api_visibility="private", queue=False)
        confirm.click(drop, [chosen, query, source, page], [removed, confirm, table, info, chosen, body],
                      api_visibility="private")
        app.load(refresh, [query, source, page], [table, info], api_visibility="private", queue=False)
