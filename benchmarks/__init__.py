"""Speed and quality benchmarks; each script prints a table and writes benchmarks/results/."""
from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# MultiHop-RAG sits next to the repository (../shared/bench-data); RAG_MULTIHOP_DATA points elsewhere.
MULTIHOP = Path(os.environ.get("RAG_MULTIHOP_DATA", ROOT.parent / "shared" / "bench-data" / "multihop-rag"))


def header(when: datetime | str, command: str) -> str:
    """The two header lines every results file carries; benchmarks/check_figures.py compares docs with them."""
    stamp = f"{when:%Y-%m-%d %H:%M} UTC" if isinstance(when, datetime) else when  # str: "YYYY-MM-DD[ HH:MM UTC]"
    return f"Date: {stamp}  \nCommand: `{command}`  \n"


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float, what: str, pause: float = 0.5) -> None:
    """Poll `url` until it answers; fail with the end of `log` if `proc` exits or `timeout` seconds pass."""
    deadline = time.time() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"{what} did not start: {log.read_text()[-3000:]}") from None
            time.sleep(pause)
