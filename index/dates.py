"""Publication dates in any common written form, to ISO `YYYY-MM-DD`; relative dates ("2 hours ago") give None."""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
# Cheap pre-check so dateparser (slow) only sees lines that can be dates.
_DATEISH = re.compile(rf"\b\d{{4}}-\d{{2}}-\d{{2}}|\b\d{{1,2}}\s+{_MONTH}\.?,?\s+\d{{4}}"
                      rf"|{_MONTH}\.?\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}|\b\d{{1,2}}/\d{{1,2}}/\d{{4}}", re.I)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:$|[T ]\d)")
# The written forms found on news pages, matched anywhere in a short line, so a date survives the words
# around it ("Posted Tuesday, February 20, 2024 9:15 am", "November 3, 2023 4:12 PM UTC Updated 2 hours ago").
_ISO_ANY = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_MDY = re.compile(rf"\b{_MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+(\d{{4}})\b", re.I)
_LABEL = re.compile(r"^(published|updated|posted|last updated|date)\s*:?\s*", re.I)
RELATIVE = re.compile(
    r"\b(\d+|an?|one|few)\s+(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\s+ago\b|"
    r"^(updated |published |posted )?(just now|yesterday|today)\b", re.I)


def _valid(y: str, m: int, d: str) -> str | None:
    try:
        return date(int(y), m, int(d)).isoformat()
    except ValueError:
        return None


def _written(text: str) -> str | None:
    """The first date written as ISO, 'Month D, YYYY' or 'D Month YYYY' in `text`, in the order they occur."""
    found = []
    for rx, order in ((_ISO_ANY, "ymd"), (_MDY, "mdy"), (_DMY, "dmy")):
        m = rx.search(text)
        if m:
            found.append((m.start(), m, order))
    for _, m, order in sorted(found, key=lambda f: f[0]):
        if order == "ymd":
            iso = _valid(m[1], int(m[2]), m[3]) if 1 <= int(m[2]) <= 12 else None
        elif order == "mdy":
            iso = _valid(m[3], _MONTHS[m[1].lower()[:3]], m[2])
        else:
            iso = _valid(m[3], _MONTHS[m[2].lower()[:3]], m[1])
        return iso  # the first date in the line is the one it is about ("Published X Updated Y")
    return None


@lru_cache(maxsize=4096)
def parse_date(text: str | None) -> str | None:
    """ISO date of a short date-like string ('Friday 04 February 2022 16:18 EST'), else None."""
    if not text or len(text) > 80 or not _DATEISH.search(text):
        return None
    iso = _ISO.match(text.strip())
    if iso:  # the common machine-written form
        return _valid(iso[1], int(iso[2]), iso[3]) if 1 <= int(iso[2]) <= 12 else None
    if _ISO_ANY.search(text) or _MDY.search(text) or _DMY.search(text):
        return _written(text)
    import dateparser  # numeric forms (12/03/2024) and the rest; ~1 ms a call, so only here

    parsed = dateparser.parse(
        _LABEL.sub("", text.strip()),
        languages=["en"],
        settings={"STRICT_PARSING": True, "PREFER_DAY_OF_MONTH": "first"},
    )
    return parsed.date().isoformat() if parsed else None


_NUMERIC = re.compile(r"(?<![\d/.-])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?![\d/.-])")


def is_ambiguous(text: str) -> bool:
    """A numeric date that reads both ways ('04/02/2024': 4 February or April 2) and no written date beside it."""
    m = _NUMERIC.search(text)
    return bool(m and int(m[1]) <= 12 and int(m[2]) <= 12 and m[1] != m[2]
                and not (_ISO_ANY.search(text) or _MDY.search(text) or _DMY.search(text)))


def is_relative(text: str) -> bool:
    """A relative time ('Updated 2 hours ago', 'Published 3 days ago'): not guessed into a date."""
    return bool(RELATIVE.search(text))
