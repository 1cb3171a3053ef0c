"""The "llm" engine: a generative answer from any LLM, kept only where the cited passages support it.

Every sentence the model writes is checked against the passages it cites (`rag.support`); each kept
sentence is cited to the exact supporting sentence of the article, unsupported ones are dropped, and
when nothing survives the extractive answer is returned instead, with a note saying so.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from datetime import date

from rag.config import Config
from rag.followup import Turn, resolve, user_turns
from rag.llm_client import LLMUnavailable, chat, stream_chat
from rag.llm_prompt import NOT_FOUND, answer_messages, condense_messages, mask_instructions
from rag.support import SupportChecker, Verdict, cite, split_claims
from rag.text import sentence_spans, words
from rag.types import Answer, Passage

ENGINE = "llm"
FALLBACK_ENGINE = "llm-fallback"  # Answer.engine when the extractive answer stands in for the model's
FALLBACK_NOTE = "(Extractive answer: {reason}.)"
DROPPED_NOTE = "({n} sentence{s} of the model's answer removed: not supported by the cited articles.)"


def _checker(passages: list[Passage], config: Config) -> SupportChecker:
    from rag.models import embedder

    return SupportChecker(passages, embedder(config.embed_batch), config.llm_min_support)


def fallback(question: str, passages: list[Passage], config: Config, reason: str) -> Answer:
    """The extractive engine's answer, marked as a stand-in for the LLM's, with the reason."""
    from rag.compose import compose_answer as extractive

    # Sentences addressed to an AI are not news: the extractive engine must not quote them either.
    result = extractive(question, [mask_instructions(p) for p in passages], config)
    result.text = f"{result.text} {FALLBACK_NOTE.format(reason=reason)}"
    result.engine = FALLBACK_ENGINE
    return result


def _refused(reply: str) -> bool:
    """Did the model say the passages do not answer (and say nothing else)?"""
    return NOT_FOUND.lower() in reply.lower() and not re.search(r"\[\s*\d+\s*\]", reply)


def finish(question: str, reply: str, passages: list[Passage], config: Config,
           checker: SupportChecker | None = None) -> Answer:
    """Turn the model's raw reply into a verified Answer (or the extractive fallback)."""
    if _refused(reply):
        return fallback(question, passages, config, "the language model found no answer in the passages")
    checker = checker or _checker(passages[: config.llm_passages], config)
    verdicts = [checker.check(c) for c in split_claims(reply)]
    return _answer(question, verdicts, passages, config)


def _answer(question: str, verdicts: list[Verdict], passages: list[Passage], config: Config) -> Answer:
    text, citations = cite(verdicts)
    dropped = sum(1 for v in verdicts if not v.support)
    if not citations:
        reason = "the language model's answer had no sentence supported by the articles" if verdicts \
            else "the language model gave no answer"
        return fallback(question, passages, config, reason)
    if dropped:
        text += " " + DROPPED_NOTE.format(n=dropped, s="" if dropped == 1 else "s")
    return Answer(question=question, text=text, refused=False, citations=citations, engine=ENGINE)


def compose_answer(question: str, passages: list[Passage], config: Config,
                   history: Sequence[Turn] | None = None) -> Answer:
    """The llm engine as registered in `rag.engines` (history is already folded into `question`)."""
    shown = passages[: config.llm_passages]
    if not shown:
        return fallback(question, passages, config, "no passages were retrieved")
    try:
        reply = chat(answer_messages(question, shown), config)
    except LLMUnavailable as exc:
        if "request failed" not in str(exc):
            raise  # not configured / not installed: the user asked for the llm engine, say why it cannot run
        return fallback(question, passages, config, str(exc).rstrip("."))
    return finish(question, reply, passages, config)


def stream_answer(question: str, passages: list[Passage], config: Config,
                  history: Sequence[Turn] | None = None) -> Iterator[Answer]:
    """Answers that grow as the model writes: each yield holds only sentences already checked and cited.

    The last yield is the final answer (the same one `compose_answer` would return for that reply).
    """
    shown = passages[: config.llm_passages]
    if not shown:
        yield fallback(question, passages, config, "no passages were retrieved")
        return
    checker = _checker(shown, config)
    reply, verdicts = "", []
    try:
        for delta in stream_chat(answer_messages(question, shown), config):
            reply += delta
            claims = split_claims(reply)
            if not claims or not _complete(reply):
                claims = claims[:-1]  # the last sentence may still be growing
            if len(claims) > len(verdicts):
                # Earlier claims can gain a marker that opened the next sentence; re-check those cheaply.
                verdicts = [checker.check(c) for c in claims]
                text, citations = cite(verdicts)
                if citations:
                    yield Answer(question=question, text=text, refused=False, citations=citations, engine=ENGINE)
    except LLMUnavailable as exc:
        if "request failed" not in str(exc):
            raise
        yield fallback(question, passages, config, str(exc).rstrip("."))
        return
    yield finish(question, reply, passages, config, checker)


def _complete(reply: str) -> bool:
    """Does the reply end with a finished sentence followed by its markers?"""
    tail = reply.rstrip()
    return bool(tail) and (tail.endswith("]") or tail[-1] in ".!?\"”'")


def condense(question: str, history: Sequence[Turn] | None, config: Config) -> str:
    """A standalone version of a follow-up, written by the LLM; the rule-based resolver when it cannot."""
    if not user_turns(history):
        return question
    try:
        reply = chat(condense_messages(question, history), config)
    except LLMUnavailable:
        return resolve(question, history)
    lines = [ln.strip().strip('"“”').strip() for ln in reply.strip().splitlines() if ln.strip()]
    rewritten = re.sub(r"^(?:standalone question|question)\s*:\s*", "", lines[0], flags=re.I) if lines else ""
    # A tiny model can ramble or drop the question; keep its rewrite only if it still asks the same thing.
    if not (3 <= len(words(rewritten)) <= 60) or len(sentence_spans(rewritten)) > 2 \
            or not set(words(question)) & set(words(rewritten)):
        return resolve(question, history)
    return rewritten


def stream(question: str, *, history: Sequence[Turn] | None = None, k: int | None = None,
           sources: list[str] | None = None, since: date | None = None, until: date | None = None,
           config: Config | None = None) -> Iterator[Answer]:
    """The whole llm pipeline for a UI: condense, retrieve, then yield verified, growing answers."""
    from rag.api import get_index
    from rag.question import clean_question
    from rag.verify import verify

    index = get_index(config)
    question = clean_question(question)
    standalone = condense(question, history, index.config)
    passages = index.retrieve(standalone, k, sources, since, until)
    for partial in stream_answer(standalone, passages, index.config, history):
        partial.question = question
        yield verify(partial, index.store.body)


def configured(config: Config) -> bool:
    """Is an LLM set up (endpoint, key or GGUF given, and its llama-index package installed)? For UI switches."""
    import importlib.util

    provider = (config.llm_provider or "openai-like").lower()
    module = {"openai-like": "llama_index.llms.openai_like", "openai": "llama_index.llms.openai",
              "ollama": "llama_index.llms.ollama", "gguf": "llama_index.llms.llama_cpp"}.get(provider)
    try:
        installed = module is not None and importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        installed = False
    given = {"openai-like": config.llm_url, "openai": config.llm_api_key or os.environ.get("OPENAI_API_KEY"),
             "ollama": config.llm_model, "gguf": config.llm_gguf}.get(provider)
    return installed and bool(given)
