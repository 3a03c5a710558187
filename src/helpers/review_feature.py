"""Review sentiment as a purchase feature, computed out of fold so that no session reads its own review.

A session's feature is the mean, over the products it viewed, of the mean predicted sentiment of those
products' reviews. Only training customers' reviews count, and they are split into folds by customer: a
training session reads the reviews of the customers in the *other* folds (:func:`out_of_fold_sentiment`),
a test session all of them. A review is written in the session that bought the product, so reading its
own customer's reviews would tell the model, on its training rows, that the session ended in a purchase.

* :func:`customer_folds`: a random fold per customer.
* :func:`own_reviewed_views`: the sessions this guards (they viewed a product their customer reviewed).
* :func:`other_folds_mean`: the feature of one session recomputed plainly, to check the vectorised one.
* :func:`booster_test_scores` and :func:`feature_verdict`: LightGBM with and without the feature.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from helpers.baselines import gradient_boosting
from helpers.comparisons import verdict


def customer_folds(customers: Iterable, n_folds: int, seed: int = 0) -> pd.Series:
    """A fold (0 … ``n_folds`` − 1) per customer, indexed by the sorted customers: a random permutation
    taken modulo ``n_folds``, so the folds' sizes differ by one at most."""
    ordered = sorted(customers)
    return pd.Series(np.random.default_rng(seed).permutation(len(ordered)) % n_folds, index=ordered)


def out_of_fold_sentiment(
    views: pd.DataFrame, session_users: pd.Series, reviews: pd.DataFrame, folds: pd.Series, n_folds: int
) -> pd.Series:
    """Per session (index: the ``session_id`` of ``views``): the mean over its views of the viewed
    product's mean review sentiment, NaN where no review can be read.

    ``views`` has ``session_id`` and ``product_id``; ``session_users`` maps a session to its customer;
    ``reviews`` has ``product_id``, ``fold`` (its writer's) and ``positive`` (the predicted sentiment);
    ``folds`` maps a customer to its fold. A customer with a fold reads the other folds' reviews only; a
    customer without one (a test customer) reads them all.
    """
    by_fold = reviews.groupby(["product_id", "fold"])["positive"].agg(["sum", "count"]).unstack(fill_value=0)
    sums, counts = (
        by_fold[kind].reindex(index=views["product_id"], columns=range(n_folds)).fillna(0).to_numpy()
        for kind in ("sum", "count")
    )
    viewer = session_users.reindex(views["session_id"])
    own_fold = (
        viewer.map(folds).fillna(-1).astype(int).to_numpy()
    )  # -1: a test customer, no fold to leave out

    def left_out(table: np.ndarray) -> np.ndarray:
        return np.where(own_fold >= 0, table[np.arange(len(table)), own_fold], 0.0)

    total, n = sums.sum(axis=1) - left_out(sums), counts.sum(axis=1) - left_out(counts)
    view_sentiment = pd.Series(
        total / np.where(n > 0, n, np.nan), index=views.index
    )  # NaN: no review to read
    return view_sentiment.groupby(views["session_id"]).mean()


def own_reviewed_views(
    views: pd.DataFrame, session_users: pd.Series, reviews: pd.DataFrame
) -> tuple[np.ndarray, int]:
    """``(sessions, in_session)``: the sessions that viewed a product their own customer reviewed (in the
    order of those views), and how many sessions viewed a product reviewed in that very session.
    ``reviews`` has ``product_id``, ``user_id`` and ``session_id``."""

    def pairs(frame: pd.DataFrame, who) -> pd.MultiIndex:
        return pd.MultiIndex.from_arrays([frame["product_id"].to_numpy(), np.asarray(who)])

    viewer = session_users.reindex(views["session_id"])
    own_review = pairs(views, viewer).isin(pairs(reviews, reviews["user_id"]))
    reviewed_here = pairs(views, views["session_id"]).isin(pairs(reviews, reviews["session_id"]))
    return views["session_id"][own_review].unique(), views["session_id"][reviewed_here].nunique()


def other_folds_mean(reviews: pd.DataFrame, views: pd.DataFrame, session_id, fold: int) -> float:
    """One session's feature computed plainly: the mean over its views of the viewed product's mean
    ``positive`` among the ``reviews`` outside ``fold`` (its customer's), NaN when none can be read."""
    other_folds = reviews[reviews["fold"] != fold]
    viewed = views.loc[views["session_id"] == session_id, "product_id"]
    return viewed.map(other_folds.groupby("product_id")["positive"].mean()).mean()


def booster_test_scores(
    tables: Mapping[str, pd.DataFrame],
    labels: np.ndarray,
    is_train: np.ndarray,
    groups: pd.Series,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """For each table of features (one row per session): the purchase probabilities of the test rows
    (``~is_train``) from LightGBM (:func:`helpers.baselines.gradient_boosting`, early stopping on held-out
    ``groups``, customers) fitted on the training rows."""
    scores = {}
    for name, table in tables.items():
        booster = gradient_boosting(table[is_train], labels[is_train], seed=seed, groups=groups[is_train])
        scores[name] = booster.predict_proba(table[~is_train])[:, 1]
    return scores


def feature_verdict(difference: Mapping[str, float]) -> str:
    """What a paired interval (``low``, ``high``) of "with the feature − without" says, in words."""
    return verdict(
        difference,
        "the feature helps: the interval lies above 0",
        "the feature hurts: the interval lies below 0",
        "no clear change: the interval includes 0",
    )
