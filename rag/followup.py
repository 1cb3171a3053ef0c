"""Follow-up questions: fold the earlier turns' subject into a question that leans on them."""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

# Words that point back at something said earlier ("it", "that", "they") or open a follow-up ("and").
_ANAPHORA = re.compile(r"\b(it|its|that|this|those|these|they|them|their|he|him|his|she|her|there|then|the same)\b", re.I)
_OPENER = re.compile(r"^\s*(and|also|what about|how about|but|so|then)\b", re.I)

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


def is_follow_up(question: str) -> bool:
    """Short questions, questions opening with "And ..." and ones that use pronouns lean on context."""
    return bool(_OPENER.search(question) or _ANAPHORA.search(question) or len(question.split()) <= 4)


def resolve(question: str, history: Sequence[Turn] | None) -> str:
    """The question to retrieve with: standalone questions unchanged, follow-ups with the last topic."""
    previous = user_turns(history)
    if not previous or not is_follow_up(question):
        return question
    return f"{question} ({previous[-1]})"
