"""The "llm" engine: a generative answer from any LLM, kept only where the cited passages support it.

Every sentence the model writes is checked against the passages it cites (`claims`); each kept
sentence is cited to the exact supporting sentence of the article, unsupported ones are dropped, and
when nothing survives the extractive answer is returned instead, with a note saying so.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from rag.core.config import Config
from rag.core.records import Answer, Passage
from rag.core.text import sentence_spans, words
from rag.engines.base import Resources
from rag.engines.followup import Turn, resolve, user_turns
from rag.engines.llm.claims import ClaimChecker, Verdict, cite, split_claims
from rag.engines.llm.client import LLMUnavailable, chat, problem, stream_chat
from rag.engines.llm.prompt import NOT_FOUND, answer_messages, condense_messages, mask_instructions
from rag.engines.llm.reasoned import DROPPED_NOTE, FALLBACK_ENGINE, FALLBACK_NOTE, Case, case
from rag.engines.llm.reasoned import finish as finish_parts
from rag.engines.llm.reasoned import messages as parts_messages

ENGINE_NAME = "llm"


def _checker(passages: list[Passage], resources: Resources) -> ClaimChecker:
    return ClaimChecker(passages, resources.embedder(), resources.config.llm_min_support)


def fallback(question: str, passages: list[Passage], resources: Resources, reason: str) -> Answer:
    """The extractive engine's answer, marked as a stand-in for the LLM's, with the reason."""
    # Sentences addressed to an AI are not news: the extractive engine must not quote them either.
    result = resources.engine("extractive").answer(question, [mask_instructions(p) for p in passages], None, resources)
    result.text = f"{result.text} {FALLBACK_NOTE.format(reason=reason)}"
    result.engine = FALLBACK_ENGINE
    return result


def _refused(reply: str) -> bool:
    """Did the model say the passages do not answer (and say nothing else)?"""
    return NOT_FOUND.lower() in reply.lower() and not re.search(r"\[\s*\d+\s*\]", reply)


def finish(question: str, reply: str, passages: list[Passage], resources: Resources,
           checker: ClaimChecker | None = None) -> Answer:
    """Turn the model's raw reply into a verified Answer (or the extractive fallback)."""
    if _refused(reply):
        return fallback(question, passages, resources, "the language model found no answer in the passages")
    checker = checker or _checker(passages[: resources.config.llm_passages], resources)
    verdicts = [checker.check(c) for c in split_claims(reply)]
    return _answer(question, verdicts, passages, resources)


def _answer(question: str, verdicts: list[Verdict], passages: list[Passage], resources: Resources) -> Answer:
    text, citations = cite(verdicts)
    dropped = sum(1 for v in verdicts if not v.support)
    if not citations:
        reason = "the language model's answer had no sentence supported by the articles" if verdicts \
            else "the language model gave no answer"
        return fallback(question, passages, resources, reason)
    if dropped:
        text += " " + DROPPED_NOTE.format(n=dropped, s="" if dropped == 1 else "s")
    return Answer(question=question, text=text, refused=False, citations=citations, engine=ENGINE_NAME)


def _answer_once(question: str, passages: list[Passage], resources: Resources, parts: Case | None = None) -> Answer:
    """One request to the model, then the support check (`parts`: the question's part analysis, if known)."""
    config = resources.config
    shown = passages[: config.llm_passages]
    if not shown:
        return fallback(question, passages, resources, "no passages were retrieved")
    # A question with parts (yes/no, "X or Y", several-part who): the model sees each part's evidence and
    # its verdict must agree with it (reasoned.py).
    parts = parts or case(question, passages, resources, config.llm_passages)
    try:
        reply = chat(parts_messages(question, parts) if parts else answer_messages(question, shown), config)
    except LLMUnavailable as exc:
        if "request failed" not in str(exc):
            raise  # not configured / not installed: the user asked for the llm engine, say why it cannot run
        return fallback(question, passages, resources, str(exc).rstrip("."))
    if parts is not None:
        return finish_parts(question, reply, parts, resources)
    return finish(question, reply, passages, resources)


def _stream(question: str, passages: list[Passage], resources: Resources) -> Iterator[Answer]:
    """Answers that grow as the model writes: each yield holds only sentences already checked and cited.

    The last yield is the final answer (the same one `_answer_once` would return for that reply).
    """
    config = resources.config
    shown = passages[: config.llm_passages]
    if not shown:
        yield fallback(question, passages, resources, "no passages were retrieved")
        return
    parts = case(question, passages, resources, config.llm_passages)
    if parts is not None:
        # The verdict comes first and can only be checked against the parts once the reply is complete.
        yield _answer_once(question, passages, resources, parts)
        return
    checker = _checker(shown, resources)
    reply, verdicts = "", list[Verdict]()
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
                    yield Answer(question=question, text=text, refused=False, citations=citations, engine=ENGINE_NAME)
    except LLMUnavailable as exc:
        if "request failed" not in str(exc):
            raise
        yield fallback(question, passages, resources, str(exc).rstrip("."))
        return
    yield finish(question, reply, passages, resources, checker)


def _complete(reply: str) -> bool:
    """Does the reply end with a finished sentence followed by its markers?"""
    tail = reply.rstrip()
    return bool(tail) and (tail.endswith("]") or tail[-1] in ".!?\"”'")


def condense(question: str, history: Sequence[Turn], config: Config) -> str:
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


class LLMEngine:
    """The llm engine (`rag.engines.base.Engine`): streams, condenses follow-ups with the model."""

    name = ENGINE_NAME
    streams = True

    def unavailable(self, config: Config) -> str | None:
        return problem(config)

    def condense(self, question: str, history: Sequence[Turn], resources: Resources) -> str | None:
        return condense(question, history, resources.config)

    def answer(self, question: str, passages: list[Passage], history: Sequence[Turn] | None,
               resources: Resources) -> Answer:
        return _answer_once(question, passages, resources)

    def stream(self, question: str, passages: list[Passage], history: Sequence[Turn] | None,
               resources: Resources) -> Iterator[Answer]:
        return _stream(question, passages, resources)


ENGINE = LLMEngine()
