"""Shared fixtures: one index of the bundled articles per test session (built once, read by many)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
# One exported ONNX MiniLM for every test index (and the CLI subprocesses), instead of one per fresh RAG_HOME.
os.environ.setdefault("RAG_EMBED_CACHE", os.path.join(__import__("tempfile").gettempdir(), "newsrag-test-models"))

from benchmarks import wait_until_up  # noqa: E402,F401  (re-exported for the server tests)
from rag.core.config import Config  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "articles"
GUARDIAN = ARTICLES / "000_29834b6968a0d052.txt"
AP = ARTICLES / "002_e12e80fc82021416.txt"
SEVEN = ["China", "Gabon", "Ghana", "India", "Kenya", "Mexico", "Russia"]


def blocked_indexer(docs: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """`rag index DOCS -q` in a new process, read until it says it waits for another indexer (or 2 min pass)."""
    second = subprocess.Popen([sys.executable, "-m", "rag.cli", "index", str(docs), "-q"], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    waited = ""
    deadline = time.time() + 120
    while "waiting for another indexer" not in waited and time.time() < deadline and second.poll() is None:
        assert second.stderr is not None
        waited += second.stderr.readline()
    return second, waited


def free_port() -> int:
    """A free TCP port on loopback, for the servers the tests start."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """A Config whose index (a fresh RAG_HOME) holds the two bundled articles."""
    from index.pipeline import index_paths

    home = tmp_path_factory.mktemp("rag_home")
    cfg = Config.load(home=home, articles_dir=ARTICLES)
    report = index_paths([ARTICLES], cfg, progress=False)
    assert report.added == 2 and not report.skipped
    return cfg


@pytest.fixture
def empty_config(tmp_path: Path) -> Config:
    """A Config pointing at an empty index in a temporary folder."""
    return Config.load(home=tmp_path / "home", articles_dir=ARTICLES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `llm` skip, with the reason, when the llm extra is missing (a newcomer's `make test`);
    where the run promised it (RAG_TEST_REQUIRE_LLM=1, .ci/run after `make llm`) a missing extra is an error."""
    from tests.parts import llm_missing, promised

    llm_tests = [item for item in items if item.get_closest_marker("llm")]
    missing = llm_missing() if llm_tests else None
    if missing is None:
        return
    if promised("llm"):
        raise pytest.UsageError(f"RAG_TEST_REQUIRE_LLM=1 but the llm extra is not installed ({missing}); run `make llm`")
    skip = pytest.mark.skip(reason=f"the llm extra is not installed ({missing}); run `make llm`")
    for item in llm_tests:
        item.add_marker(skip)
