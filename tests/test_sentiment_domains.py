"""Across domains: each method trained on one source of reviews and scored on the other's test reviews."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.sentiment import VaderClassifier
from helpers.sentiment_domains import ReviewSource, cross_domain_scores, transfer_means

GOOD = ["great", "love it", "works well", "excellent value", "very happy", "perfect fit"]
BAD = ["terrible", "broke fast", "awful sound", "waste of money", "very bad", "poor quality"]


def source(seed: int, n: int = 40, products: bool = False) -> ReviewSource:
    """Short reviews of clear sentiment; test reviews grouped into 8 products when ``products``."""
    rng = np.random.default_rng(seed)

    def reviews(count: int) -> tuple[list[str], np.ndarray]:
        labels = np.arange(count) % 2
        texts = [f"{rng.choice(GOOD if y else BAD)} {rng.choice(GOOD if y else BAD)}" for y in labels]
        return texts, labels

    (train_texts, y_train), (test_texts, y_test) = reviews(n), reviews(n)
    return ReviewSource(train_texts, y_train, test_texts, y_test, np.arange(n) % 8 if products else None)


def bag_of_words(texts) -> np.ndarray:
    """A stand-in for sentence embeddings: counts of the good and the bad words."""
    return np.array(
        [[sum(w in text for w in GOOD), sum(w in text for w in BAD)] for text in texts], dtype=float
    )


def test_every_method_is_scored_both_ways_and_the_finetuned_one_from_the_first_source() -> None:
    sources = {"shop": source(0, products=True), "file": source(1)}
    calls = []

    def finetuned(texts):
        calls.append(list(texts))
        return VaderClassifier(2).fit(sources["shop"].train_texts, sources["shop"].y_train).predict(texts)

    cross = cross_domain_scores(sources, bag_of_words, 2, finetuned, n_resamples=50, seed=0)
    assert list(cross["direction"]) == ["shop → file"] * 4 + ["file → shop"] * 3
    assert list(cross["model"]) == ["vader", "tfidf", "probe", "finetuned", "vader", "tfidf", "probe"]
    assert calls == [sources["file"].test_texts]  # the first source's model meets the second's test reviews
    assert (cross["macro_f1_low"] <= cross["macro_f1"]).all() and (
        cross["macro_f1"] <= cross["macro_f1_high"]
    ).all()
    assert (
        cross.set_index(["direction", "model"]).loc[("shop → file", "probe"), "macro_f1"] == 1.0
    )  # separable
    without = cross_domain_scores(sources, bag_of_words, 2, None, n_resamples=50, seed=0)
    assert "finetuned" not in set(without["model"])
    pd.testing.assert_frame_equal(without, cross[cross["model"] != "finetuned"].reset_index(drop=True))
    with pytest.raises(ValueError, match="two sources"):
        cross_domain_scores({"shop": sources["shop"]}, bag_of_words, 2)


def test_transfer_means_average_the_methods_scored_both_ways() -> None:
    cross = pd.DataFrame(
        {
            "direction": ["a → b", "a → b", "b → a"],
            "model": ["vader", "finetuned", "vader"],
            "macro_f1": [0.6, 0.9, 0.8],
        }
    )
    means = transfer_means(cross)
    assert list(means.index) == ["vader"] and means["vader"] == pytest.approx(0.7)
