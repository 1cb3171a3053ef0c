"""The HTTP API for programs (/v1/...): JSON answers, passages, status, uploads, and OpenAI-style chat."""
from __future__ import annotations

import json
import tempfile
import threading
from datetime import date
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.api import Index
from rag.core.errors import BadQuestion, ChromaUnavailable, RagError
from ui.http_guard import ApiError, Guard, error_body

MAX_TOP_K = 100
MAX_SOURCES = 100
DESCRIPTION = """Cited answers from the indexed news articles, for programs.

Every `[n]` in an answer's text is a citation whose `text` is exactly `body[start:end]` of its article.
`/v1/chat/completions` is OpenAI-compatible (model `newsrag`); the citations are on the response as
`citations`. With an API key set (`--api-key` / `RAG_API_KEY`) every `/v1/` route needs
`Authorization: Bearer <key>`. Errors are OpenAI-shaped: `{"error": {"message", "type", "param", "code"}}`.
"""


class AnswerRequest(BaseModel):
    """POST /v1/answer: a question plus optional history and filters (unknown fields are ignored)."""

    question: StrictStr
    history: list[dict[str, Any] | StrictStr] | None = Field(None, max_length=200,
                                                             description="earlier turns: role/content dicts or questions")
    sources: list[StrictStr] | None = Field(None, max_length=MAX_SOURCES, description="only these outlets")
    since: date | None = Field(None, description="only articles published on or after (YYYY-MM-DD)")
    until: date | None = Field(None, description="only articles published on or before (YYYY-MM-DD)")
    engine: StrictStr | None = Field(None, description="extractive (default) or llm")
    top_k: int | None = Field(None, ge=1, le=MAX_TOP_K, description="passages to retrieve (default 10)")


class ArticlesRequest(BaseModel):
    """POST /v1/articles as JSON: article records as `rag index` reads them from a .json file."""

    articles: list[dict[str, Any]] = Field(..., min_length=1, max_length=10_000,
                                           description="records with title, body (or text), source, published, url")


class Service:
    """The open index plus one lock: answers run one at a time (they are CPU-bound; the CPU is the limit)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.lock = threading.Lock()

    def answer(self, question: str, **kw: Any):
        with self.lock:
            return self.index.answer(question, **kw)


def create_api(index: Index, api_key: str | None = None, login: tuple[str, str] | None = None) -> FastAPI:
    """A FastAPI app serving /v1/ over `index` (Gradio's chat page can be mounted on it at "/")."""
    from ui.openai_chat import router as chat_router

    app = FastAPI(title="newsrag API", version="1", description=DESCRIPTION, docs_url=None, redoc_url=None)
    _add_docs(app)
    app.state.service = Service(index)
    app.add_middleware(Guard, api_key=api_key, login=login)
    _add_error_handlers(app)
    app.include_router(router)
    app.include_router(chat_router)
    app.state.paths = {getattr(r, "path", "") for r in router.routes + chat_router.routes}
    app.include_router(fallback)  # last: unknown /v1/ paths get a JSON 404 here, not Gradio's page (mounted at "/")
    return app


router = APIRouter(prefix="/v1", tags=["newsrag"])


fallback = APIRouter(prefix="/v1", include_in_schema=False)


@fallback.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def unknown_route(rest: str, request: Request) -> None:
    path = f"/v1/{rest}"
    if path in request.app.state.paths:
        raise ApiError(405, f"{request.method} is not allowed on {path}; see /docs")
    raise ApiError(404, f"no such API route: {path}; see /docs")


def _service(request: Request) -> Service:
    return request.app.state.service


@router.post("/answer", summary="Answer a question (Answer.to_dict())")
def post_answer(body: AnswerRequest, request: Request) -> dict[str, Any]:
    result = _service(request).answer(body.question, k=body.top_k, sources=body.sources, since=body.since,
                                      until=body.until, history=body.history, engine=body.engine)
    return result.to_dict()


@router.get("/retrieve", summary="The top-k passages the answerer would read")
def get_retrieve(request: Request, q: str = Query(..., max_length=100_000), k: int = Query(10, ge=1, le=MAX_TOP_K),
                 source: list[str] | None = Query(None, max_length=MAX_SOURCES), since: date | None = None,
                 until: date | None = None) -> dict[str, Any]:
    service = _service(request)
    with service.lock:
        passages = service.index.retrieve(q, k, source, since, until)
    return {"query": q, "passages": [p.to_dict() for p in passages]}


@router.get("/status", summary="What `rag status --json` reports")
def get_status(request: Request) -> dict[str, Any]:
    from rag.cli import status_report

    service = _service(request)
    with service.lock:
        return status_report(service.index.config, service.index.store)


class FeedbackRequest(BaseModel):
    """A judgement of an answer this API returned: `answer` is that response's JSON (Answer.to_dict())."""

    answer: dict[str, Any]
    verdict: Literal["right", "wrong"]
    expected: StrictStr | None = Field(None, max_length=10_000)
    note: StrictStr | None = Field(None, max_length=10_000)
    history: list[dict[str, Any]] | None = Field(None, max_length=200)


@router.post("/feedback", summary="Judge an answer right or wrong; `rag eval export-feedback` makes gold cases of them")
def post_feedback(body: FeedbackRequest, request: Request) -> dict[str, Any]:
    if not isinstance(body.answer.get("question"), str) or not isinstance(body.answer.get("citations", []), list):
        raise ApiError(400, "answer must be the JSON of an answer (question, text, citations, ...)", "answer")
    n = _service(request).index.judge(body.answer, body.verdict, history=body.history, expected=body.expected,
                                      note=body.note)
    return {"id": n, "verdict": body.verdict}


@router.get("/articles", summary="The indexed articles, newest first, one page at a time")
def get_articles(request: Request, offset: int = Query(0, ge=0), limit: int = Query(50, ge=1, le=500),
                 q: str | None = Query(None, max_length=500), source: str | None = Query(None, max_length=500)
                 ) -> dict[str, Any]:
    total, rows = _service(request).index.store.list_articles(offset, limit, q, source)
    return {"total": total, "offset": offset, "limit": limit, "articles": rows}


@router.delete("/articles/{article_id}", summary="Remove one article from the index (it is never cited again)")
def delete_article(article_id: str, request: Request) -> dict[str, Any]:
    service = _service(request)
    with service.lock:
        removed = service.index.store.remove([article_id])
    if not removed:
        raise ApiError(404, f"no article {article_id!r} in the index", "article_id", "article_not_found")
    return {"removed": removed, "articles": service.index.store.article_count()}


@router.post("/articles", summary="Index uploaded files (multipart `files`) or JSON {\"articles\": [...]}",
             openapi_extra={"requestBody": {"content": {
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
                 "application/json": {"schema": ArticlesRequest.model_json_schema()}}}})
async def post_articles(request: Request) -> JSONResponse:
    from starlette.concurrency import run_in_threadpool

    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    with tempfile.TemporaryDirectory(dir=_tmp_root(request)) as tmp:
        files: list[tuple[str, Path]] = []
        if kind == "multipart/form-data":
            form = await _parse_parts(request)
            uploads = [f for f in form.getlist("files") + form.getlist("file") if not isinstance(f, str)]
            if not uploads:
                raise ApiError(400, "send the articles as multipart form field 'files' (one or more files)", "files")
            for i, f in enumerate(uploads):
                path = Path(tmp) / f"part{i}"
                path.write_bytes(await f.read())
                files.append((f.filename or "(unnamed)", path))
        elif kind == "application/json":
            try:
                body = ArticlesRequest.model_validate_json(await request.body())
            except ValueError as exc:
                raise RequestValidationError(getattr(exc, "errors", lambda: [])()) from None
            path = Path(tmp) / "articles.json"
            path.write_text(json.dumps(body.articles, ensure_ascii=False), encoding="utf-8")
            files.append(("api-articles.json", path))
        else:
            raise ApiError(415, "send multipart/form-data (field 'files') or application/json ({\"articles\": [...]})")
        report = await run_in_threadpool(_index_files, _service(request), files)
    status = 200 if report["indexed"] else 422
    if status == 422:
        report["error"] = error_body(422, "no file could be indexed: " + "; ".join(
            f"{s['file']}: {s['reason']}" for s in report["skipped"]))["error"]
    return JSONResponse(report, status_code=status)


async def _parse_parts(request: Request) -> Any:
    """The multipart form, held in memory (the body is at most MAX_UPLOAD_BYTES): Starlette would spill parts
    over 1 MB to the system temp folder, and nothing is written outside RAG_HOME."""
    from starlette.formparsers import MultiPartException, MultiPartParser

    from ui.http_guard import MAX_UPLOAD_BYTES

    class InMemory(MultiPartParser):
        spool_max_size = MAX_UPLOAD_BYTES

    try:
        return await InMemory(request.headers, request.stream(), max_files=1000, max_fields=10).parse()
    except MultiPartException as exc:
        raise ApiError(400, f"invalid multipart data: {exc.message}") from None


def _tmp_root(request: Request) -> Path:
    # Temporary copies stay inside RAG_HOME (nothing is written elsewhere by default).
    root = Path(_service(request).index.config.home) / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _index_files(service: Service, files: list[tuple[str, Path]]) -> dict[str, Any]:
    """The same safe-name upload path as the chat page; the per-file report of `rag index`."""
    from ui.uploads import add_files

    with service.lock:
        result = add_files(files, Path(service.index.config.home) / "uploads", service.index.store)
        articles = service.index.store.article_count()
    return {"indexed": result.indexed, "skipped": [{"file": n, "reason": r} for n, r in result.skipped],
            "added": result.added, "updated": result.updated, "unchanged": result.unchanged,
            "chunks": result.chunks, "articles": articles}


def _add_docs(app: FastAPI) -> None:
    """Swagger UI at /docs from files installed with fastapi-offline: FastAPI's default page loads them from a CDN."""
    import fastapi_offline
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    static = Path(fastapi_offline.__file__).parent / "static"
    app.mount("/docs/static", StaticFiles(directory=static), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> Any:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="newsrag API",
                                   swagger_js_url="/docs/static/swagger-ui-bundle.js",
                                   swagger_css_url="/docs/static/swagger-ui.css",
                                   swagger_favicon_url="/docs/static/favicon.png")


def _add_error_handlers(app: FastAPI) -> None:
    """Every error is one OpenAI-shaped JSON line with a 4xx (or 503/500) code; never a traceback."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.status, exc.message, exc.param, exc.code), exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        message, param = validation_message(list(exc.errors()))
        return JSONResponse(error_body(400, message, param), 400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "bad request"
        return JSONResponse(error_body(exc.status_code, message), exc.status_code, headers=exc.headers)

    @app.exception_handler(RagError)
    async def rag_error(_: Request, exc: RagError) -> JSONResponse:
        # Bad questions, dates, engines: the same one-line message `rag ask` prints. A lost Chroma server: 503.
        status = 503 if isinstance(exc, ChromaUnavailable) else 400
        param = "question" if isinstance(exc, BadQuestion) else None
        return JSONResponse(error_body(status, str(exc).splitlines()[0] if str(exc) else type(exc).__name__, param), status)

    @app.exception_handler(Exception)
    async def crashed(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(error_body(500, f"internal error ({type(exc).__name__}); see the server log"), 500)


def validation_message(errors: list[dict[str, Any]]) -> tuple[str, str | None]:
    """The first validation error as one line, e.g. "question: Input should be a valid string"."""
    if not errors:
        return "invalid request", None
    err = errors[0]
    # Drop the location's request part and the union-member names pydantic adds ("dict[str,any]", "str").
    loc = [str(x) for x in err.get("loc", ()) if isinstance(x, int) or (
        str(x).isidentifier() and x not in ("body", "query", "str", "int", "bool", "dict", "list"))]
    if err.get("type") == "json_invalid":
        return "the request body is not valid JSON", None
    if err.get("type") == "missing" and not loc:
        return "the request needs a JSON body", None
    field = ".".join(loc)
    return (f"{field}: {err.get('msg', 'invalid')}" if field else str(err.get("msg", "invalid request"))), field or None
