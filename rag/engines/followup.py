"""Follow-up questions: fold the earlier turns' subject into a question that leans on them."""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# Words that point back at something said earlier ("it", "that", "they") or open a follow-up ("and").
_ANAPHORA = re.compile(r"\b(it|its|that|this|those|these|they|them|their|he|him|his|she|her|there|then|the same)\b", re.I)
_OPENER = re.compile(r"^\s*(and|also|what about|how about|but|so|then)\b", re.I)
_JOIN = " (following up on: "

Turn = dict[str, Any] | str | Sequence[str]


def user_turns(history: Sequence[Turn] | None) -> list[str]:
    """Earlier user questions from history given as role/content dicts, (user, bot) pairs or strings."""
    out: list[str] = []
    for turn in history or []:
        if isinstance(turn, dict):
            if turn.get("role") == "user" and isinstance(turn.get("content"), str):
                out.append(turn["content"])
        elif isinstance(turn, str):
            out.append(turn)
        elif isinstance(turn, Sequence) and turn and isinstance(turn[0], str):
            out.append(turn[0])
    return out


def bot_turns(history: Sequence[Turn] | None) -> list[str]:
    """Earlier answers (assistant turns / second items of pairs) found in history, oldest first."""
    out: list[str] = []
    for turn in history or []:
        if isinstance(turn, dict):
            if turn.get("role") == "assistant" and isinstance(turn.get("content"), str):
                out.append(turn["content"])
        elif not isinstance(turn, str) and isinstance(turn, Sequence) and len(turn) > 1 and isinstance(turn[1], str):
            out.append(turn[1])
    return out


def is_follow_up(question: str) -> bool:
    """Short questions, questions opening with "And ..." and ones that use pronouns lean on context."""
    return bool(_OPENER.search(question) or _ANAPHORA.search(question) or len(question.split()) <= 4)


def _standalone(question: str) -> str:
    """An earlier question as it stood on its own (a resolved follow-up keeps only its own words)."""
    return question.split(_JOIN, 1)[0]


def resolve(question: str, history: Sequence[Turn] | None) -> str:
    """The question to retrieve with: standalone questions unchanged, follow-ups with the last topic."""
    previous = user_turns(history)
    if not previous or not is_follow_up(question):
        return question
    return f"{question}{_JOIN}{_standalone(previous[-1])})"


def split_resolved(question: str, history: Sequence[Turn] | None) -> tuple[str, str, list[str]]:
    """(the follow-up's own words, the earlier question it leans on, earlier answers) for the composer."""
    if _JOIN not in question or not question.endswith(")"):
        return question, "", []
    own, context = question[:-1].split(_JOIN, 1)
    answers = bot_turns(history)
    return own, context, answers[-1:]
