"""Across domains: sentiment methods trained on one source of reviews and scored on another's test reviews.

:func:`cross_domain_scores` trains VADER's thresholds, TF-IDF + logistic regression and a linear probe on
frozen embeddings on each source's training reviews and scores them, with bootstrap intervals, on the
other source's test reviews; a fine-tuned classifier of the first source can be scored on the second.
:func:`transfer_means` averages each method's macro-F1 over the two directions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.baselines import tfidf_logistic_regression
from helpers.predictor import fit_linear_probe
from helpers.sentiment import VaderClassifier, classification_scores


@dataclass
class ReviewSource:
    """One source's training and test reviews; ``test_groups``: the product of each test review (None:
    the bootstrap resamples reviews one by one)."""

    train_texts: Sequence[str]
    y_train: np.ndarray
    test_texts: Sequence[str]
    y_test: np.ndarray
    test_groups: np.ndarray | None = None


def cross_domain_scores(
    sources: Mapping[str, ReviewSource],
    embed: Callable[[Sequence[str]], np.ndarray],
    n_classes: int,
    finetuned: Callable[[Sequence[str]], np.ndarray] | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per direction (``"A → B"``) and ``model``, with the columns of
    :func:`helpers.sentiment.classification_scores`.

    ``sources`` holds two sources, the main data first. In each direction ``vader``, ``tfidf`` and
    ``probe`` (logistic regression on ``embed``'s vectors) learn from the source's training reviews and
    predict the target's test reviews; ``finetuned`` (texts -> predicted classes, trained on the first
    source) is scored in the direction from the first source only, and only when given.
    """
    if len(sources) != 2:
        raise ValueError(f"cross_domain_scores compares two sources, got {len(sources)}")
    first, second = sources
    vectors = {
        name: (embed(source.train_texts), embed(source.test_texts)) for name, source in sources.items()
    }
    rows = []
    for source, target in ((first, second), (second, first)):
        train, test = sources[source], sources[target]
        methods = {
            "vader": VaderClassifier(n_classes)
            .fit(train.train_texts, train.y_train)
            .predict(test.test_texts),
            "tfidf": tfidf_logistic_regression(train.train_texts, train.y_train, seed=seed).predict(
                test.test_texts
            ),
            "probe": fit_linear_probe(vectors[source][0], train.y_train).predict(vectors[target][1]),
        }
        if finetuned is not None and source == first:
            methods["finetuned"] = finetuned(test.test_texts)
        rows += [
            {
                "direction": f"{source} → {target}",
                "model": model,
                **classification_scores(test.y_test, predicted, n_resamples, seed, groups=test.test_groups),
            }
            for model, predicted in methods.items()
        ]
    return pd.DataFrame(rows)


def transfer_means(cross: pd.DataFrame) -> pd.Series:
    """Each method's macro-F1 averaged over both directions, for the methods scored in both."""
    both_ways = cross.groupby("model").filter(lambda rows: len(rows) == 2)
    return both_ways.groupby("model")["macro_f1"].mean()
