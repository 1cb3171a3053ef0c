"""The learned ranker: gradient-boosted trees (trained by benchmarks/train_ranker.py) evaluated with numpy.

The model is plain arrays in `rag/ranker.npz` (plus a JSON header), so answering needs no scikit-learn and
loads no pickles.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL = Path(__file__).with_name("ranker.npz")


class TreeModel:
    """A sum of regression trees over the named features; `score` gives P(chunk holds evidence)."""

    def __init__(self, spec: dict) -> None:
        self.features: list[str] = spec["features"]
        self.baseline = float(spec["baseline"])
        t = spec["trees"]
        self.feature = np.asarray(t["feature"], dtype=np.int64)
        self.threshold = np.asarray(t["threshold"], dtype=np.float64)
        self.left = np.asarray(t["left"], dtype=np.int64)  # absolute node indices
        self.right = np.asarray(t["right"], dtype=np.int64)
        self.value = np.asarray(t["value"], dtype=np.float64)
        self.leaf = np.asarray(t["leaf"], dtype=bool)
        self.roots = np.asarray(t["roots"], dtype=np.int64)
        self.info = {k: v for k, v in spec.items() if k not in ("trees",)}

    def raw(self, X: np.ndarray) -> np.ndarray:
        """Log-odds per row: all (tree, row) pairs walked together, one level per step, dropping pairs
        that reached a leaf (a few trees are deep; most pairs stop early)."""
        X = np.asarray(X, dtype=np.float64)
        n = len(X)
        if n == 0:
            return np.zeros(0)
        node = np.repeat(self.roots, n)  # pair i = (tree i // n, row i % n)
        row = np.tile(np.arange(n), len(self.roots))
        active = np.flatnonzero(~self.leaf[node])
        while len(active):
            at = node[active]
            go_left = X[row[active], self.feature[at]] <= self.threshold[at]  # scikit-learn's split rule
            node[active] = np.where(go_left, self.left[at], self.right[at])
            active = active[~self.leaf[node[active]]]
        return self.baseline + np.bincount(row, weights=self.value[node], minlength=n)

    def score(self, X: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.raw(X)))


@lru_cache(maxsize=4)
def load(path: str = str(MODEL)) -> TreeModel | None:
    """The bundled model (None when the file is absent: retrieval then ranks by the fused score)."""
    p = Path(path)
    if not p.is_file():
        return None
    with np.load(p, allow_pickle=False) as z:
        spec = json.loads(str(z["info"]))
        spec["trees"] = {k[5:]: z[k] for k in z.files if k.startswith("tree_")}
    return TreeModel(spec)


def save(spec: dict, path: Path) -> None:
    """Write a model spec (as built by benchmarks/train_ranker.py) in the format `load` reads."""
    info = {k: v for k, v in spec.items() if k != "trees"}
    arrays = {f"tree_{k}": np.asarray(v) for k, v in spec["trees"].items()}
    with open(path, "wb") as f:
        np.savez_compressed(f, info=np.array(json.dumps(info)), **arrays)  # type: ignore[arg-type]
