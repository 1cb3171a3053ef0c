"""The learned ranker: its trees evaluate like scikit-learn's, the bundled model matches the features,
and retrieval uses it when switched on (the default is the fused score)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rag.core.config import Config
from rag.core.tuning import TUNING
from rag.retrieval import ranker
from rag.retrieval.features import FEATURES, features
from rag.retrieval.retriever import Retriever, default_score
from rag.storage.store import Store


def _stump(feature: int, threshold: float, low: float, high: float) -> dict:
    return {"feature": [feature, 0, 0], "threshold": [threshold, 0, 0], "left": [1, 0, 0], "right": [2, 0, 0],
            "value": [0.0, low, high], "leaf": [False, True, True]}


def test_trees_walk_like_the_split_rule_says():
    a, b = _stump(0, 0.5, -1.0, 1.0), _stump(1, 2.0, 0.25, -0.25)
    trees = {k: a[k] + ([x + 3 for x in b[k]] if k in ("left", "right") else b[k]) for k in a}
    model = ranker.TreeModel({"features": ["x", "y"], "baseline": 0.1, "trees": trees | {"roots": [0, 3]}})
    X = np.array([[0.5, 2.0], [0.6, 2.0], [0.0, 3.0], [1.0, 9.0]])  # x <= 0.5 goes left, as in scikit-learn
    assert np.allclose(model.raw(X), [0.1 - 1 + 0.25, 0.1 + 1 + 0.25, 0.1 - 1 - 0.25, 0.1 + 1 - 0.25])
    assert np.all((model.score(X) > 0) & (model.score(X) < 1)) and model.raw(np.zeros((0, 2))).shape == (0,)


def test_exported_trees_match_scikit_learn(tmp_path):
    from sklearn.ensemble import HistGradientBoostingClassifier

    from benchmarks.train_ranker import to_spec

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, len(FEATURES)))
    y = X[:, 0] + 0.5 * X[:, 3] * X[:, 5] > 0.3
    m = HistGradientBoostingClassifier(max_iter=20, max_leaf_nodes=7, random_state=0).fit(X, y)
    model = ranker.TreeModel(to_spec(m))
    assert np.allclose(model.raw(X), m.decision_function(X), atol=1e-9)
    ranker.save(to_spec(m) | {"note": "test"}, tmp_path / "m.npz")  # and the file format keeps every bit
    again = ranker.load(str(tmp_path / "m.npz"))
    assert np.array_equal(again.raw(X), model.raw(X)) and again.info["note"] == "test"


def test_bundled_model_reads_the_features_we_compute(config):
    model = ranker.load()
    assert model is not None, "rag/ranker.npz is missing: run benchmarks/train_ranker.py"
    assert model.features == FEATURES
    assert model.info["questions"] > 1000  # trained on the MultiHop-RAG dev split
    store = Store(config)
    pool, _, kw = Retriever(store).candidates("How many weapons tests did North Korea carry out in January?")
    X = features(pool, kw)
    assert X.shape == (len(pool.rows), len(FEATURES)) and np.isfinite(X).all()
    p = model.score(X)
    assert np.all((p > 0) & (p < 1)) and p.std() > 0  # the model separates candidates


def test_ranker_is_opt_in(config):
    assert Config().rerank is False and Retriever(Store(config), config).model is None  # opt-in, see README


# Five questions whose ranker order differs from the fused order over the bundled articles (checked 2026-12-01).
QUESTIONS = ["Who refused to sign the statement?", "How many weapons tests did North Korea carry out in January?",
             "What did Zhang Jun say the key to easing tensions was?", "When will Blinken hold trilateral talks in Hawaii?",
             "What did Linda Thomas-Greenfield say about the sanctions proposal?"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_ranker_on_orders_retrieval_by_the_models_own_scores(config, question):
    # No per-article/per-outlet turn taking here, so the order is the scores' order alone.
    weights = dataclasses.replace(TUNING.fusion, per_article=1000, per_source=1000)
    on_config = Config.load(home=config.home, articles_dir=config.articles_dir, rerank=True)
    retriever = Retriever(Store(on_config), on_config, weights=weights)
    on = retriever.retrieve(question, k=100)

    pool, _, kw = retriever.candidates(question)
    p = ranker.load().score(features(pool, kw))  # the bundled model, scored here over the same features
    ids = [kw.meta[i]["chunk_id"] for i in pool.rows]
    by_model = [ids[i] for i in np.argsort(-p, kind="stable")]
    by_fused = [ids[i] for i in np.argsort(-default_score(pool, weights), kind="stable")]
    assert [x.chunk_id for x in on] == by_model
    assert by_model != by_fused  # so the check above tells the ranker's order from the fused one
    assert [x.score for x in on] == [round(float(x), 4) for x in sorted(p, reverse=True)]  # its probabilities
