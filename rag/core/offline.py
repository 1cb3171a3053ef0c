"""Make every library in the stack run offline: no hub, no telemetry, bundled tokenizer files."""
from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path


def llama_static() -> Path | None:
    """The `_static` folder llama-index-core ships (tiktoken + nltk caches), located without importing it."""
    spec = find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / "_static"


def apply() -> None:
    """Set the offline variables unless the user already set them (the user always wins)."""
    defaults = {
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "TRANSFORMERS_VERBOSITY": "error",
    }
    static = llama_static()
    if static is not None:
        defaults["TIKTOKEN_CACHE_DIR"] = str(static / "tiktoken_cache")
        defaults["NLTK_DATA"] = str(static / "nltk_cache")
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
