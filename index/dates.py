"""Publication dates in any common written form, to ISO `YYYY-MM-DD`, with dateparser."""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

# Cheap pre-check so dateparser (slow) only sees lines that can be dates.
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_DATEISH = re.compile(rf"\b\d{{4}}-\d{{2}}-\d{{2}}|\b\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|{_MONTH}\.?\s+\d{{1,2}},?\s+\d{{4}}|\b\d{{1,2}}/\d{{1,2}}/\d{{4}}", re.I)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:$|[T ]\d)")
_LABEL = re.compile(r"^(published|updated|posted|last updated|date)\s*:?\s*", re.I)


@lru_cache(maxsize=4096)
def parse_date(text: str | None) -> str | None:
    """ISO date of a short date-like string ('Friday 04 February 2022 16:18 EST'), else None."""
    if not text or len(text) > 80 or not _DATEISH.search(text):
        return None
    iso = _ISO.match(text.strip())
    if iso:  # the common machine-written form; dateparser would take ~1 ms for it
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3])).isoformat()
        except ValueError:
            return None
    import dateparser

    parsed = dateparser.parse(
        _LABEL.sub("", text.strip()),
        languages=["en"],
        settings={"STRICT_PARSING": True, "PREFER_DAY_OF_MONTH": "first"},
    )
    return parsed.date().isoformat() if parsed else None
