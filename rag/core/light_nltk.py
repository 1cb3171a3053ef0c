"""NLTK's Punkt sentence splitter without running `nltk/__init__.py` (~3 s: it imports scipy and scikit-learn).

The package module is registered with its real spec but an unexecuted body, so `nltk.tokenize.punkt` and what it
needs import alone. The first attribute the stub lacks (any other use of `import nltk`) runs the real
`__init__` into the same module object, so later users of nltk see the whole package as usual.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any

_lock = threading.Lock()


def _complete(module: ModuleType, spec: Any) -> None:
    """Run the real nltk/__init__.py into the stub (once)."""
    with _lock:
        if getattr(module, "_rag_stub", False):
            del module.__getattr__
            module._rag_stub = False  # type: ignore[attr-defined]
            spec.loader.exec_module(module)


def install() -> None:
    """Make `import nltk` cheap until something needs more than its submodules (no-op if already imported)."""
    with _lock:
        if "nltk" in sys.modules:
            return
        spec = importlib.util.find_spec("nltk")
        if spec is None or spec.loader is None:
            return
        module = importlib.util.module_from_spec(spec)
        module._rag_stub = True  # type: ignore[attr-defined]

        def __getattr__(name: str) -> Any:  # PEP 562: only called for attributes the stub does not have
            if name.startswith("__") or name == "_rag_stub":
                raise AttributeError(name)
            if importlib.util.find_spec(f"nltk.{name}") is not None:  # `from nltk import data`: a submodule
                return importlib.import_module(f"nltk.{name}")
            _complete(module, spec)
            return getattr(module, name)

        module.__getattr__ = __getattr__  # type: ignore[method-assign]
        sys.modules["nltk"] = module
