"""Two things at once inside one question. ONNX Runtime, Chroma's search and most numpy work release the GIL,
so on a two-core laptop the dense search runs while BM25 scores, and sentence batches encode side by side."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# More workers than cores only queue; one core gets no overlap (each job then runs where it is asked for).
WORKERS = min(2, os.cpu_count() or 1)
_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()
_inside = threading.local()


def _executor() -> ThreadPoolExecutor | None:
    global _pool
    if WORKERS < 2 or getattr(_inside, "worker", False):  # a job that waits on jobs could starve the pool
        return None
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="rag-overlap",
                                       initializer=lambda: setattr(_inside, "worker", True))
        return _pool


def submit(fn: Callable[..., R], *args: object) -> Future[R]:
    """`fn(*args)` on a worker thread (or here and now when there is no second core)."""
    pool = _executor()
    if pool is not None:
        return pool.submit(fn, *args)
    done: Future[R] = Future()
    try:
        done.set_result(fn(*args))
    except BaseException as exc:  # noqa: BLE001 - handed to the caller by .result(), as a worker would
        done.set_exception(exc)
    return done


def map_split(fn: Callable[[list[T]], list[R]], items: Sequence[T], least: int = 4) -> list[R]:
    """`fn(items)` for a list-in, list-out `fn`, run as two halves side by side when there are at least
    `least` items; results in the items' order."""
    if len(items) < least or _executor() is None:
        return fn(list(items))
    halves = [list(items[0::2]), list(items[1::2])]
    first = submit(fn, halves[0])
    second = fn(halves[1])
    out: list[R] = [None] * len(items)  # type: ignore[list-item]
    out[0::2], out[1::2] = first.result(), second
    return out
