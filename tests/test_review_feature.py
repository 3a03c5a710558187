"""Review sentiment as a purchase feature, out of fold: no session reads its own customer's reviews."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.review_feature import (
    booster_test_scores,
    customer_folds,
    feature_verdict,
    other_folds_mean,
    out_of_fold_sentiment,
    own_reviewed_views,
)

# Customers 1 and 2 train (folds 0 and 1), customer 3 is a test customer (no fold).
FOLDS = pd.Series([0, 1], index=[1, 2])
SESSION_USERS = pd.Series({"s1": 1, "s2": 2, "s3": 3, "s4": 1})
REVIEWS = pd.DataFrame(
    {
        "product_id": [10, 10, 20],
        "user_id": [1, 2, 2],
        "session_id": ["s1", "s2", "s2"],
        "positive": [0.9, 0.3, 0.5],
        "fold": [0, 1, 1],
    }
)
VIEWS = pd.DataFrame(
    {"session_id": ["s1", "s1", "s2", "s3", "s3", "s4"], "product_id": [10, 20, 10, 10, 30, 30]},
    index=[5, 6, 7, 8, 9, 10],
)


def test_customer_folds_are_balanced_and_reproducible() -> None:
    folds = customer_folds({7, 3, 11, 5, 9, 1, 2}, 3, seed=0)
    assert list(folds.index) == [1, 2, 3, 5, 7, 9, 11] and sorted(np.bincount(folds)) == [2, 2, 3]
    pd.testing.assert_series_equal(folds, customer_folds([1, 2, 3, 5, 7, 9, 11], 3, seed=0))


def test_a_session_reads_only_the_other_folds_reviews() -> None:
    sentiment = out_of_fold_sentiment(VIEWS, SESSION_USERS, REVIEWS, FOLDS, 2)
    # s1 (fold 0): product 10 read by customer 2 (0.3), product 20 by customer 2 (0.5): mean 0.4
    assert sentiment["s1"] == pytest.approx(0.4)
    assert sentiment["s2"] == pytest.approx(0.9)  # s2 (fold 1): its own reviews left out, customer 1's 0.9
    assert sentiment["s3"] == pytest.approx(
        0.6
    )  # a test customer reads every review: (0.9 + 0.3) / 2; 30 has none
    assert np.isnan(sentiment["s4"])  # product 30 has no review
    for session in ("s1", "s2"):
        fold = FOLDS[SESSION_USERS[session]]
        assert other_folds_mean(REVIEWS, VIEWS, session, fold) == pytest.approx(sentiment[session])


def test_own_reviewed_views_find_the_sessions_the_folds_guard() -> None:
    sessions, in_session = own_reviewed_views(VIEWS, SESSION_USERS, REVIEWS)
    assert list(sessions) == ["s1", "s2"] and in_session == 2  # each viewed what its customer reviewed there
    later = VIEWS.assign(
        session_id=VIEWS["session_id"].replace({"s1": "s4"})
    )  # customer 1 again, another session
    sessions, in_session = own_reviewed_views(later, SESSION_USERS, REVIEWS)
    assert list(sessions) == ["s4", "s2"] and in_session == 1


def test_booster_test_scores_fit_on_training_rows_and_score_the_rest() -> None:
    rng = np.random.default_rng(0)
    n = 400
    signal = rng.normal(size=n)
    labels = (signal + 0.5 * rng.normal(size=n) > 0.5).astype(int)
    plain = pd.DataFrame({"noise": rng.normal(size=n)})
    with_signal = plain.assign(signal=signal)
    is_train = np.arange(n) < 300
    groups = pd.Series(np.arange(n) // 2)
    scores = booster_test_scores(
        {"plain": plain, "with signal": with_signal}, labels, is_train, groups, seed=0
    )
    assert list(scores) == ["plain", "with signal"] and all(len(s) == 100 for s in scores.values())
    accuracy = {name: ((s > 0.5) == labels[~is_train]).mean() for name, s in scores.items()}
    assert accuracy["with signal"] > accuracy["plain"] + 0.1


def test_feature_verdict_reads_the_interval() -> None:
    assert feature_verdict({"low": 0.01, "high": 0.02}).startswith("the feature helps")
    assert feature_verdict({"low": -0.02, "high": -0.01}).startswith("the feature hurts")
    assert feature_verdict({"low": -0.01, "high": 0.02}) == "no clear change: the interval includes 0"
