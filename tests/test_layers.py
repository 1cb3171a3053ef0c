"""The shape of rag/: layers import only downwards, no module cycle, and `import rag` stays light."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

RAG = ROOT / "rag"
# Bottom to top; a module may import its own layer and the ones before it.
LAYERS = ["rag.core", "rag.storage", "rag.retrieval", "rag.engines", "rag.api", "rag.chat", "rag.cli"]
# rag.api and rag.chat are one layer (the public API); the package itself re-exports it.
RANK = {"rag.core": 0, "rag.storage": 1, "rag.retrieval": 2, "rag.engines": 3, "rag.api": 4, "rag.chat": 4,
        "rag.cli": 5, "rag": 5}
OUTSIDE = ("index", "ui", "evals", "benchmarks", "tests")  # the indexer, UI and evals sit on top of rag/


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(RAG.rglob("*.py"))}


def imports(path: Path, known: set[str]) -> set[str]:
    """Every module this file imports, anywhere in it (lazy imports in functions count)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            # `from rag.storage import bm25` imports the submodule rag.storage.bm25
            found |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known}
    return found


def rank(module: str) -> int:
    best = max((p for p in RANK if module == p or module.startswith(p + ".")), key=len)
    return RANK[best]


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {m: imports(p, set(mods)) for m, p in mods.items()}


def test_the_layer_table_covers_every_module():
    assert all(any(m == p or m.startswith(p + ".") for p in RANK) for m in modules())


def test_no_upward_import_and_nothing_from_outside_rag():
    problems = []
    for m, deps in graph().items():
        for d in deps:
            if d.split(".")[0] in OUTSIDE:
                problems.append(f"{m} imports {d}: rag/ must not depend on index/, ui/ or evals/")
            elif d == "rag" or d.startswith("rag."):
                if d != "rag" and rank(d) > rank(m):
                    problems.append(f"{m} (layer {rank(m)}) imports {d} (layer {rank(d)})")
    assert problems == []


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle among the modules, as a path, or None."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for d in sorted(edges.get(m, ())):
            if d not in edges:
                continue
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state:
                got = visit(d)
                if got:
                    return got
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(edges):
        if m not in state:
            got = visit(m)
            if got:
                return got
    return None


def test_no_import_cycle_between_modules():
    edges = {m: {d for d in deps if d != m and not m.startswith(d + ".")} for m, deps in graph().items()}
    # A package's __init__ importing its own submodules is how packages work; a submodule importing the
    # package (or another submodule) back is what makes a cycle.
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges) or [])


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_import_rag_is_light():
    code = ("import sys, rag; heavy = ('torch', 'chromadb', 'gradio', 'transformers', 'sentence_transformers', "
            "'llama_index.core'); print([m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
