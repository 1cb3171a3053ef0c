"""Recognise a news outlet's name in page text, from a list of widely syndicated publications."""
from __future__ import annotations

import re
from collections.abc import Iterable

OUTLETS = [
    "The Guardian", "The Independent", "The New York Times", "The Washington Post", "BBC News",
    "Reuters", "Associated Press", "CNN", "Al Jazeera", "The Times", "The Telegraph",
    "Financial Times", "The Wall Street Journal", "Bloomberg", "NPR", "Fox News", "NBC News",
    "CBS News", "ABC News", "Politico", "Axios", "The Atlantic", "The Economist", "Sky News",
    "Daily Mail", "The Hill", "USA Today", "Los Angeles Times", "The Verge", "TechCrunch", "Wired",
    "Engadget", "Fortune", "Forbes", "Business Insider", "CNBC", "Yahoo News", "Sporting News",
    "Polygon", "Mashable", "The Irish Times", "The Sydney Morning Herald", "The Age",
    "South China Morning Post", "The Japan Times", "Deutsche Welle", "France 24", "Euronews",
    "The Hindu", "Times of India", "Haaretz", "The Jerusalem Post", "Le Monde", "Der Spiegel",
    "The Conversation", "Vox", "Slate", "Newsweek", "Time", "The Scotsman", "Evening Standard",
    "Daily Telegraph", "The Mirror", "The Sun", "Metro", "Agence France-Presse", "AFP",
    "Ars Technica", "ZDNet", "CNET", "Gizmodo", "IGN", "ESPN", "Variety", "Hollywood Reporter",
]
# Longest first so "The Times" does not shadow "The New York Times".
_PATTERN = re.compile(
    r"(?<![\w-])(" + "|".join(re.escape(o) for o in sorted(OUTLETS, key=len, reverse=True)) + r")(?![\w-])"
)


def find_outlet(lines: Iterable[str]) -> str | None:
    """The first known outlet named in `lines`, in its canonical spelling."""
    for line in lines:
        match = _PATTERN.search(line)
        if match:
            return match.group(1)
    return None
