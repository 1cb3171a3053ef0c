"""The in-question overlap helper: results in order, errors where they are awaited, no deadlock when nested."""
from __future__ import annotations

import threading

import pytest

from rag.core import parallel


def test_map_split_keeps_the_order_and_uses_a_second_thread() -> None:
    seen: set[str] = set()

    def double(xs: list[int]) -> list[int]:
        seen.add(threading.current_thread().name)
        return [2 * x for x in xs]

    assert parallel.map_split(double, list(range(9))) == [2 * x for x in range(9)]
    assert parallel.map_split(double, [1, 2]) == [2, 4]  # too few to split: one call
    if parallel.WORKERS > 1:
        assert len(seen) == 2


def test_an_error_reaches_the_caller() -> None:
    def boom() -> None:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        parallel.submit(boom).result()


def test_a_job_that_waits_on_jobs_runs_them_itself() -> None:
    def outer() -> list[int]:
        inner = [parallel.submit(lambda i=i: i * i) for i in range(4)]  # would starve two workers if queued
        return [f.result(timeout=5) for f in inner]

    jobs = [parallel.submit(outer) for _ in range(3)]
    assert [j.result(timeout=10) for j in jobs] == [[0, 1, 4, 9]] * 3


def test_without_a_second_core_everything_runs_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "WORKERS", 1)
    here = threading.current_thread().name
    assert parallel.submit(lambda: threading.current_thread().name).result() == here
    assert parallel.map_split(lambda xs: [threading.current_thread().name for _ in xs], [1, 2, 3, 4]) == [here] * 4
