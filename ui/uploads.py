"""Articles added from the page: copied under safe names into RAG_HOME/uploads, then indexed incrementally."""
from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from index.read import SUFFIXES
from rag.storage.store import Store

MAX_NAME = 100


def safe_name(name: str) -> str:
    """A plain file name from an untrusted one: no folders, no leading dots, only [A-Za-z0-9._-]."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._-")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem[: MAX_NAME - len(suffix) - 1] or "upload"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def store_upload(src: Path, name: str, folder: Path) -> Path:
    """Copy `src` into `folder` as `safe_name(name)`; a different file of the same name gets a -N suffix."""
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    base = safe_name(name)
    stem, suffix = (base.rsplit(".", 1) + [""])[:2] if "." in base else (base, "")
    digest = hashlib.sha1(src.read_bytes()).hexdigest()
    for i in range(1000):
        candidate = f"{stem}-{i}" if i else stem
        dest = (root / (f"{candidate}.{suffix}" if suffix else candidate)).resolve()
        if dest.parent != root:  # belt and braces: safe_name never yields a path, but never write outside
            raise ValueError(f"unsafe upload name {name!r}")
        if dest.exists() and hashlib.sha1(dest.read_bytes()).hexdigest() != digest:
            continue
        shutil.copyfile(src, dest)
        return dest
    raise ValueError(f"too many uploads named {base!r}")


@dataclass
class UploadResult:
    """What adding files did, by the names the user gave them."""

    indexed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0


def add_files(files: list[tuple[str, Path]], folder: Path, store: Store) -> UploadResult:
    """Index uploaded (original name, temp path) files; bad files are reported by name, the rest go in."""
    from index.pipeline import index_paths

    result = UploadResult()
    saved: dict[str, str] = {}  # stored path -> the name the user uploaded
    for name, path in files:
        display = Path(re.split(r"[\\/]", name)[-1]).name or "(unnamed)"
        if Path(display).suffix.lower() not in SUFFIXES:
            result.skipped.append((display, f"unsupported type; use one of {', '.join(SUFFIXES)}"))
            continue
        try:
            saved[str(store_upload(Path(path), display, folder))] = display
        except (OSError, ValueError) as exc:
            result.skipped.append((display, str(exc)))
    if not saved:
        return result
    report = index_paths(list(saved), store.config, store, progress=False)
    bad: set[str] = set()
    for s in report.skipped:
        # A record inside a JSON file is reported as "path[3]" or "path:3": name the file and the record.
        stored = next((p for p in saved if s.path == p or s.path.startswith((p + "[", p + ":"))), None)
        where = saved[stored] + s.path[len(stored):] if stored else Path(s.path).name
        result.skipped.append((where, s.reason))
        if stored and s.path == stored:
            bad.add(stored)
            Path(stored).unlink(missing_ok=True)  # keep only files that went in
    result.indexed = [name for p, name in saved.items() if p not in bad]
    result.added, result.updated, result.unchanged, result.chunks = report.added, report.updated, report.unchanged, report.chunks
    return result
