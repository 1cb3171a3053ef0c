"""`rag eval export-feedback`: judged answers (from the chat, the API or `Index.judge`) as gold cases.

- "right": a case whose facts and evidence are the answer's cited sentences (it must keep citing them);
- "wrong" with the expected answer: a case that must now state it, with the indexed sentence that holds it as
  evidence (found by retrieval); when no indexed sentence holds it, the case is written commented out, to review;
- "wrong" without one: a must-refuse case, tagged "to-review" (a person decides whether the articles say it).
Lines starting with // say which is which; `rag eval --gold FILE` skips them.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from rag.api import Index
from rag.core.text import MARKER, sentence_spans
from rag.storage.feedback import FeedbackLog


def _plain(text: str) -> str:
    return " ".join(MARKER.sub(" ", text).split())


def _earlier_questions(history: list[Any]) -> list[str]:
    from rag.engines.followup import user_turns

    return user_turns(history)


def _evidence_for(index: Index, expected: str, question: str) -> dict[str, str] | None:
    """An indexed sentence that states `expected` (searched among the passages retrieved for both), with its file."""
    files = index.store.paths()
    want = expected.lower()
    for passage in index.retrieve(f"{question} {expected}", k=20):
        for s, e in sentence_spans(passage.text):
            if want in passage.text[s:e].lower() and files.get(passage.article_id):
                return {"article": Path(files[passage.article_id] or "").name, "text": passage.text[s:e]}
    return None


def feedback_cases(index: Index) -> list[tuple[str, dict[str, Any] | None, str]]:
    """(comment, case or None, kind) for every judgement of `index`, oldest first."""
    out: list[tuple[str, dict[str, Any] | None, str]] = []
    for j in FeedbackLog(index.config.home).all():
        answer, base = j["answer"], f"feedback-{j['id']}"
        turns = [*_earlier_questions(j.get("history") or []), j["question"]]
        case: dict[str, Any] = {"id": base, "turns": turns} if len(turns) > 1 else {"id": base, "question": j["question"]}
        note = f" (note: {j['note']})" if j.get("note") else ""
        if j["verdict"] == "right" and not answer["refused"]:
            cites = answer["citations"]
            files = j.get("files") or {}
            case |= {"reference": _plain(answer["text"]), "facts": [[c["text"]] for c in cites],
                     "evidence": [{"article": files.get(c["article_id"], c["article_id"]), "text": c["text"]} for c in cites],
                     "answerable": True, "tags": ["feedback", "right"]}
            out.append((f"// {base}: judged right on {j['judged_at']}; must keep citing the same sentences{note}", case, "right"))
        elif j["verdict"] == "right":  # a refusal judged right: it must keep refusing
            case |= {"reference": answer["text"], "answerable": False, "tags": ["feedback", "right", "refusal"]}
            out.append((f"// {base}: refusal judged right on {j['judged_at']}; must keep refusing{note}", case, "right"))
        elif j.get("expected"):
            evidence = _evidence_for(index, j["expected"], j["question"])
            case |= {"reference": j["expected"], "facts": [[j["expected"]]], "evidence": [evidence] if evidence else [],
                     "answerable": True, "tags": ["feedback", "wrong", "must-pass"]}
            if evidence:
                out.append((f"// {base}: judged wrong on {j['judged_at']}; must now answer {j['expected']!r}{note}",
                            case, "must-pass"))
            else:
                out.append((f"// {base}: judged wrong, expected {j['expected']!r}, but no indexed sentence states it: "
                            f"to review (add its evidence, then uncomment){note}", case, "to-review"))
        else:
            case |= {"reference": "The indexed articles do not contain an answer to this question.",
                     "answerable": False, "tags": ["feedback", "wrong", "to-review"]}
            out.append((f"// {base}: judged wrong on {j['judged_at']} with no expected answer: written as must-refuse; "
                        f"to review (give the expected answer instead if the articles hold one){note}", case, "must-refuse"))
    return out


def export_feedback(index: Index, out: Path) -> dict[str, int]:
    """Write the gold cases to `out` (JSONL, the bundled gold set's format); returns how many of each kind."""
    counts: dict[str, int] = {}
    lines: list[str] = []
    for comment, case, kind in feedback_cases(index):
        counts[kind] = counts.get(kind, 0) + 1
        lines.append(comment)
        text = json.dumps(case, ensure_ascii=False)
        lines.append(f"// {text}" if kind == "to-review" else text)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    return counts


def summary(counts: dict[str, int]) -> str:
    """"3 judgements: 1 right, 1 must-pass, 1 must-refuse" """
    total = sum(counts.values())
    parts = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    return re.sub(r": $", "", f"{total} judgement{'s' if total != 1 else ''}: {parts}")
