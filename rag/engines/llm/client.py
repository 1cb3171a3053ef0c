"""The LLM behind the "llm" engine: a llama-index LLM built from Config, imported only when used."""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from rag.core.config import Config
from rag.core.errors import RagError

if TYPE_CHECKING:
    from llama_index.core.llms import LLM

PROVIDERS = ("openai-like", "openai", "ollama", "gguf")
# Which pip package provides each provider (named in the error when it is missing).
_PACKAGES = {
    "openai-like": "llama-index-llms-openai-like",
    "openai": "llama-index-llms-openai",
    "ollama": "llama-index-llms-ollama",
    "gguf": "llama-index-llms-llama-cpp",
}
_cache: dict[tuple, LLM] = {}
_lock = threading.Lock()


class LLMUnavailable(RagError):
    """The llm engine is not configured, its package is missing, or the server failed."""


def api_key(config: Config) -> str | None:
    """RAG_LLM_API_KEY (config) first, then OPENAI_API_KEY."""
    return config.llm_api_key or os.environ.get("OPENAI_API_KEY") or None


# The llama-index module each provider needs, and the setting without which it cannot run.
_MODULES = {"openai-like": "llama_index.llms.openai_like", "openai": "llama_index.llms.openai",
            "ollama": "llama_index.llms.ollama", "gguf": "llama_index.llms.llama_cpp"}
_MISSING_SETTING = {
    "openai-like": "the llm engine needs RAG_LLM_URL (e.g. http://127.0.0.1:8080/v1) or llm_url in rag.toml",
    "openai": "llm_provider openai needs RAG_LLM_API_KEY or OPENAI_API_KEY",
    "ollama": "llm_provider ollama needs RAG_LLM_MODEL (e.g. llama3.2)",
    "gguf": "llm_provider gguf needs RAG_LLM_GGUF pointing at a .gguf file",
}


def problem(config: Config) -> str | None:
    """Why no LLM can be built from `config` (unknown provider, package missing, setting missing), or None."""
    import importlib.util

    provider = (config.llm_provider or "openai-like").lower()
    if provider not in PROVIDERS:
        return f"unknown llm_provider {provider!r}; choose from {', '.join(PROVIDERS)}"
    try:
        installed = importlib.util.find_spec(_MODULES[provider]) is not None
    except ModuleNotFoundError:  # the parent package (llama_index.llms) is not installed at all
        installed = False
    if not installed:
        return f"llm_provider {provider} needs {_PACKAGES[provider]} (not installed); run `make llm`"
    given = {"openai-like": config.llm_url, "openai": api_key(config), "ollama": config.llm_model,
             "gguf": config.llm_gguf and os.path.isfile(config.llm_gguf)}[provider]
    return None if given else _MISSING_SETTING[provider]


def _build(config: Config) -> LLM:
    provider = (config.llm_provider or "openai-like").lower()
    if provider not in PROVIDERS:
        raise LLMUnavailable(f"unknown llm_provider {provider!r}; choose from {', '.join(PROVIDERS)}")
    try:
        if provider == "openai-like":
            from llama_index.llms.openai_like import OpenAILike

            if not config.llm_url:
                raise LLMUnavailable(_MISSING_SETTING[provider])
            return OpenAILike(
                model=config.llm_model or "local-model", api_base=config.llm_url, api_key=api_key(config) or "none",
                is_chat_model=True, is_function_calling_model=False, context_window=config.llm_context_window,
                max_tokens=config.llm_max_tokens, temperature=0.0, timeout=config.llm_timeout, max_retries=1,
            )
        if provider == "openai":
            from llama_index.llms.openai import OpenAI

            if not api_key(config):
                raise LLMUnavailable(_MISSING_SETTING[provider])
            kwargs: dict[str, Any] = {"api_base": config.llm_url} if config.llm_url else {}
            return OpenAI(model=config.llm_model or "gpt-4o-mini", api_key=api_key(config), temperature=0.0,
                          max_tokens=config.llm_max_tokens, timeout=config.llm_timeout, max_retries=1, **kwargs)
        if provider == "ollama":
            from llama_index.llms.ollama import Ollama

            if not config.llm_model:
                raise LLMUnavailable(_MISSING_SETTING[provider])
            return Ollama(model=config.llm_model, base_url=config.llm_url or "http://127.0.0.1:11434",
                          request_timeout=config.llm_timeout, temperature=0.0,
                          context_window=config.llm_context_window, additional_kwargs={"num_predict": config.llm_max_tokens})
        return _gguf(config)
    except ModuleNotFoundError as exc:
        raise LLMUnavailable(
            f"llm_provider {provider} needs {_PACKAGES[provider]} ({exc.name} is not installed); run `make llm`"
        ) from exc


def _gguf(config: Config) -> LLM:
    """A GGUF file run in-process by llama-cpp-python, prompted with the file's own chat template."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter
    from llama_index.llms.llama_cpp import LlamaCPP

    if not config.llm_gguf or not os.path.isfile(config.llm_gguf):
        raise LLMUnavailable(f"llm_provider gguf needs RAG_LLM_GGUF pointing at a .gguf file (got {config.llm_gguf!r})")
    formatter: list[Any] = []  # filled once the model (and its metadata) is loaded

    def to_prompt(messages: Sequence[Any]) -> str:
        chat = [{"role": m.role.value, "content": m.content or ""} for m in messages]
        return formatter[0](messages=chat).prompt

    threads = int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or None
    llm = LlamaCPP(
        model_path=config.llm_gguf, temperature=0.0, max_new_tokens=config.llm_max_tokens,
        context_window=config.llm_context_window, messages_to_prompt=to_prompt,
        completion_to_prompt=lambda text: to_prompt([_Msg("user", text)]),
        model_kwargs={"n_threads": threads}, generate_kwargs={}, verbose=False,
    )
    meta = llm._model.metadata  # the GGUF's key/value header
    template = meta.get("tokenizer.chat_template")
    if not template:
        raise LLMUnavailable(f"{config.llm_gguf} has no chat template")
    vocab = llm._model
    formatter.append(Jinja2ChatFormatter(template=template, eos_token=vocab.detokenize([vocab.token_eos()]).decode(),
                                         bos_token=vocab.detokenize([vocab.token_bos()]).decode()))
    return llm


class _Msg:
    """A minimal chat message for completion_to_prompt."""

    def __init__(self, role: str, content: str) -> None:
        from llama_index.core.llms import MessageRole

        self.role, self.content = MessageRole(role), content


def get_llm(config: Config) -> LLM:
    """The configured LLM, built once per distinct LLM setting."""
    key = (config.llm_provider, config.llm_url, config.llm_model, api_key(config), config.llm_gguf,
           config.llm_timeout, config.llm_max_tokens, config.llm_context_window)
    with _lock:
        if key not in _cache:
            _cache[key] = _build(config)
        return _cache[key]


def _messages(messages: Sequence[tuple[str, str]]) -> list[Any]:
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role=role, content=content) for role, content in messages]


def chat(messages: Sequence[tuple[str, str]], config: Config) -> str:
    """The LLM's full reply to (role, content) messages."""
    llm = get_llm(config)
    try:
        return llm.chat(_messages(messages)).message.content or ""
    except LLMUnavailable:
        raise
    except Exception as exc:  # network errors, HTTP errors, timeouts: one clear line for the caller
        raise LLMUnavailable(f"the LLM request failed: {type(exc).__name__}: {str(exc)[:200]}") from exc


def stream_chat(messages: Sequence[tuple[str, str]], config: Config) -> Iterator[str]:
    """The LLM's reply as it is generated, piece by piece."""
    llm = get_llm(config)
    try:
        for part in llm.stream_chat(_messages(messages)):
            if part.delta:
                yield part.delta
    except Exception as exc:
        raise LLMUnavailable(f"the LLM request failed: {type(exc).__name__}: {str(exc)[:200]}") from exc
