"""File bytes → text: recognise binary files, decode UTF-8 first and fall back to the legacy encodings news files use."""
from __future__ import annotations

import codecs

# Signatures of files people rename or drop into a folder by mistake (checked before any decoding).
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or .docx/.xlsx)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Microsoft Office document"),
    (b"\x7fELF", "executable"),
    (b"RIFF", "RIFF media file"),
    (b"SQLite format 3\x00", "SQLite database"),
)
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control bytes that never occur in text (tab, newlines, form feed and escape are allowed).
_CONTROL = frozenset(range(32)) - {9, 10, 11, 12, 13, 27}
SAMPLE = 8192


def binary_kind(raw: bytes) -> str | None:
    """Why `raw` is not text ("PNG image", "binary data"), or None when it looks like text."""
    for magic, kind in MAGIC:
        if raw.startswith(magic):
            return kind
    if any(raw.startswith(bom) for bom, _ in BOMS):
        return None  # UTF-16/32 text has NUL bytes but is text
    head = raw[:SAMPLE]
    if b"\x00" in head or sum(b in _CONTROL for b in head) > len(head) // 20:
        return "binary data"
    return None


def decode(raw: bytes) -> str:
    """The text of `raw`: a BOM decides; else UTF-8; else Windows-1252; else Latin-1 (which never fails).

    Non-UTF-8 news files are nearly always Windows-1252 or Latin-1 (old CMS exports, wire feeds), so
    they are indexed rather than lost.
    """
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                break
    for encoding in ("utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")
