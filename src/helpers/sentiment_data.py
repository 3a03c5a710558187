"""The reviews of notebook 07: labelled, split once, capped to the profile's sizes, and a partner source.

* :func:`split_simulated`: the simulator's reviews with the one split every section takes its reviews from
  (by product, :func:`helpers.sentiment.split_reviews`), kept as a ``split`` column.
* :func:`labelled_reviews`: a review file (or the simulator's reviews) with the label scheme's classes.
* :func:`train_test_sets`: the training and test reviews, from a test file (no text of the training data in
  it) or from the data's own split, each capped at random to the sizes asked for.
* :func:`cross_domain_partner` and :func:`partner_rows`: the second source of the cross-domain section and
  the rows of it that may be used (no text trained on in one direction and tested in the other).
* :func:`held_out_reviews`: test reviews whose text the classifier never trained on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.sentiment import load_sentiment_reviews, sentiment_labels, split_reviews, texts_seen_in


def split_simulated(
    reviews: pd.DataFrame, test_share: float = 0.3, seed: int = 0
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """``(frame, train, test)``: ``reviews`` with a fresh index and a ``split`` column, and the row indices
    of each side of :func:`helpers.sentiment.split_reviews` (by product).

    ``split`` is ``"train"``, ``"test"``, or ``""`` for neither side: a test product's review whose text is
    also in training. A label scheme can drop rows afterwards; :func:`train_test_rows` still reads the sides.
    """
    frame = reviews.reset_index(drop=True)
    train, test = split_reviews(frame, test_share=test_share, seed=seed)
    frame["split"] = ""
    frame.loc[train, "split"] = "train"
    frame.loc[test, "split"] = "test"
    return frame, train, test


def labelled_reviews(
    path: str,
    preset: str,
    simulated: pd.DataFrame,
    scheme: str,
    columns: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, np.ndarray, str]:
    """``(reviews, labels, name)``: the file at ``path`` read with ``preset`` and ``columns`` (``""``: the
    ``simulated`` reviews), the rows ``scheme`` keeps, their class indices and the data's name (the file's
    stem, or ``"simulator"``). A file's loading report is printed."""
    frame, name = load_sentiment_reviews(path, preset, simulated, **(columns or {}))
    kept, labels = sentiment_labels(frame, scheme, f"the reviews of {path or 'the simulator'}")
    return kept, labels, name


def train_test_rows(
    frame: pd.DataFrame, seed: int = 0, test_share: float = 0.3
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices ``(train, test)``: the simulator's reviews keep their one split (their ``split``
    column), a file's are split here by :func:`helpers.sentiment.split_reviews`."""
    if "split" in frame:
        return np.flatnonzero(frame["split"] == "train"), np.flatnonzero(frame["split"] == "test")
    return split_reviews(frame, test_share=test_share, seed=seed)


def capped(indices: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """At most ``n`` of ``indices``, drawn at random (the same for the same ``seed``), in increasing order."""
    return np.sort(np.random.default_rng(seed).permutation(indices)[:n])


def train_test_sets(
    data: pd.DataFrame,
    labels: np.ndarray,
    test: tuple[pd.DataFrame, np.ndarray] | None,
    train_examples: int,
    test_examples: int,
    seed: int = 0,
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray]:
    """``(train_frame, y_train, test_frame, y_test)``, each frame with a fresh index.

    With a ``test`` file (its reviews and labels), training draws from all of ``data`` and the test set
    from the test file's reviews whose text is not in ``data``; without one, both sides come from
    :func:`train_test_rows`. Each side is capped (:func:`capped`) at ``train_examples`` and
    ``test_examples``.
    """
    if test is not None:
        test_frame, y_test = test
        keep = capped(np.flatnonzero(~texts_seen_in(test_frame["text"], data["text"])), test_examples, seed)
        test_frame, y_test = test_frame.iloc[keep].reset_index(drop=True), y_test[keep]
        train_idx = capped(np.arange(len(data)), train_examples, seed)
    else:
        train_idx, test_idx = train_test_rows(data, seed)
        train_idx, test_idx = capped(train_idx, train_examples, seed), capped(test_idx, test_examples, seed)
        test_frame, y_test = data.iloc[test_idx].reset_index(drop=True), labels[test_idx]
    return data.iloc[train_idx].reset_index(drop=True), labels[train_idx], test_frame, y_test


def class_shares(y_train: np.ndarray, y_test: np.ndarray, classes: Sequence[str]) -> pd.DataFrame:
    """One row per side (train, test): its number of ``reviews`` and the share of each class."""
    summary = pd.DataFrame(
        {
            side: pd.Series(y).map(dict(enumerate(classes))).value_counts(normalize=True)
            for side, y in (("train", y_train), ("test", y_test))
        }
    ).T
    summary.insert(0, "reviews", [len(y_train), len(y_test)])
    return summary


def cross_domain_partner(train_file: str, other_file: str, data_name: str) -> str | None:
    """The source to compare domains with: ``other_file``, or ``""`` (the simulator's reviews) when it is
    empty or the training file itself; None when there is none: the simulator would meet itself, or
    ``other_file`` does not exist."""
    same_file = other_file and train_file and Path(other_file).resolve() == Path(train_file).resolve()
    partner = "" if same_file else other_file
    if (partner == "" and data_name == "simulator") or (partner and not Path(partner).exists()):
        return None
    return partner


def partner_rows(
    other: pd.DataFrame,
    train_texts: Sequence[str],
    test_texts: Sequence[str],
    train_examples: int,
    test_examples: int,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, int]:
    """``(train, test, left_out)``: the partner's row indices of each side (:func:`train_test_rows`),
    capped, and how many reviews were left out because their text is on the other side of the main data
    (a partner training review among ``test_texts``, a partner test review among ``train_texts``): two
    files can share reviews, and no text may be trained on in one direction and tested in the other."""
    other_train, other_test = train_test_rows(other, seed)
    shared_train = texts_seen_in(other["text"].iloc[other_train], test_texts)
    shared_test = texts_seen_in(other["text"].iloc[other_test], train_texts)
    other_train, other_test = other_train[~shared_train], other_test[~shared_test]
    left_out = int(shared_train.sum() + shared_test.sum())
    return capped(other_train, train_examples, seed), capped(other_test, test_examples, seed), left_out


def held_out_reviews(reviews: pd.DataFrame, rows: np.ndarray, trained_texts: Sequence[str]) -> pd.DataFrame:
    """The reviews at ``rows`` whose text is not among ``trained_texts`` (compared lower-cased and stripped):
    a file's review can repeat a simulated one word for word."""
    return reviews.iloc[rows[~texts_seen_in(reviews["text"].iloc[rows], trained_texts)]]
