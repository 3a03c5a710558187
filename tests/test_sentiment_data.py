"""Notebook 07's reviews: the one split of the simulator's reviews, capped sides, the cross-domain partner."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.sentiment import split_reviews
from helpers.sentiment_data import (
    capped,
    class_shares,
    cross_domain_partner,
    held_out_reviews,
    labelled_reviews,
    partner_rows,
    split_simulated,
    train_test_rows,
    train_test_sets,
)

SENTIMENTS = ["neg", "neu", "pos", "pos", "pos"]


def simulated(n_products: int = 30, per_product: int = 5) -> pd.DataFrame:
    """Reviews with products, a sentiment each, and one text repeated by two products (10 and 20)."""
    n = n_products * per_product
    texts = [f"review {i}" for i in range(n)]
    texts[20 * per_product] = texts[10 * per_product]  # the same words under two products
    return pd.DataFrame(
        {
            "product_id": np.repeat(np.arange(n_products), per_product),
            "text": texts,
            "sentiment": [SENTIMENTS[i % 5] for i in range(n)],
        },
        index=np.arange(n) + 1000,  # not 0 … n-1: the frame gets a fresh index
    )


def test_split_simulated_marks_each_row_with_its_side() -> None:
    frame, train, test = split_simulated(simulated(), test_share=0.3, seed=1)
    expected_train, expected_test = split_reviews(simulated().reset_index(drop=True), 0.3, seed=1)
    np.testing.assert_array_equal(train, expected_train)
    np.testing.assert_array_equal(test, expected_test)
    assert list(frame.index) == list(range(150))
    assert (frame["split"].iloc[train] == "train").all() and (frame["split"].iloc[test] == "test").all()
    neither = frame["split"] == ""
    assert neither.sum() == 150 - len(train) - len(test)  # a test product's review whose text is in training
    assert set(frame.loc[neither, "text"]) <= set(frame["text"].iloc[train])


def test_train_test_rows_keep_the_split_column_or_split_a_file() -> None:
    frame, train, test = split_simulated(simulated(), seed=1)
    kept = frame[frame["sentiment"] != "neu"].reset_index(drop=True)  # a label scheme dropped rows
    rows_train, rows_test = train_test_rows(kept, seed=1)
    assert set(kept["text"].iloc[rows_train]) == set(
        frame["text"].iloc[train][frame["sentiment"].iloc[train] != "neu"]
    )
    assert (kept["split"].iloc[rows_test] == "test").all()
    file = simulated().drop(columns="product_id").reset_index(drop=True)
    for expected, got in zip(split_reviews(file, 0.3, seed=2), train_test_rows(file, seed=2), strict=True):
        np.testing.assert_array_equal(expected, got)


def test_capped_draws_at_most_n_in_order_and_reproducibly() -> None:
    indices = np.arange(100, 200)
    first = capped(indices, 10, seed=3)
    assert len(first) == 10 and (np.diff(first) > 0).all() and set(first) <= set(indices)
    np.testing.assert_array_equal(first, capped(indices, 10, seed=3))
    assert not np.array_equal(first, capped(indices, 10, seed=4))
    np.testing.assert_array_equal(capped(indices, 500), indices)  # fewer than n: all of them


def test_labelled_reviews_of_the_simulator_and_of_a_file(tmp_path) -> None:
    frame, labels, name = labelled_reviews("", "", simulated(), "binary")
    assert name == "simulator" and len(frame) == 120 and set(labels) == {0, 1}  # the neutral ones dropped
    assert list(labels[:4]) == [0, 1, 1, 1]
    path = tmp_path / "shop.csv"
    pd.DataFrame(
        {"text": ["Great!", "Broke fast", "Fine I guess", "Love it"], "rating": [5, 1, 3, 4]}
    ).to_csv(path, index=False)
    frame, labels, name = labelled_reviews(str(path), "", simulated(), "3class", {"rating_column": "rating"})
    assert name == "shop" and list(labels) == [2, 0, 1, 2] and list(frame["text"])[0] == "Great!"


def test_train_test_sets_from_the_split_or_from_a_test_file() -> None:
    frame, _, _ = split_simulated(simulated(), seed=1)
    data, labels, _ = labelled_reviews("", "", frame, "binary")
    train, y_train, test, y_test = train_test_sets(data, labels, None, 50, 20, seed=0)
    assert len(train) == 50 and len(test) == 20 and list(test.index) == list(range(20))
    assert (train["split"] == "train").all() and (test["split"] == "test").all()
    assert not set(train["product_id"]) & set(test["product_id"])
    np.testing.assert_array_equal(y_test, test["sentiment"].map({"neg": 0, "pos": 1}).to_numpy())
    other = pd.DataFrame(
        {"text": ["review 3", "new words", "REVIEW 5 ", "more new words"], "sentiment": "pos"}
    )
    file_test = (other, np.array([1, 0, 1, 0]))
    train, y_train, test, y_test = train_test_sets(data, labels, file_test, 1000, 1000, seed=0)
    assert len(train) == len(data)  # all the data trains; the test file tests
    assert list(test["text"]) == ["new words", "more new words"] and list(y_test) == [
        0,
        0,
    ]  # no text of the data


def test_class_shares_count_each_side() -> None:
    shares = class_shares(np.array([0, 1, 1, 1]), np.array([0, 0, 1]), ("neg", "pos"))
    assert list(shares.index) == ["train", "test"] and list(shares["reviews"]) == [4, 3]
    assert shares.loc["train", "pos"] == 0.75 and shares.loc["test", "neg"] == pytest.approx(2 / 3)


def test_cross_domain_partner(tmp_path) -> None:
    file = tmp_path / "a.tsv"
    file.write_text("text\n")
    assert cross_domain_partner("", str(file), "simulator") == str(file)
    assert cross_domain_partner(str(file), "", "a") == ""  # a file's partner is the simulator
    assert (
        cross_domain_partner(str(file), str(tmp_path / ".." / tmp_path.name / "a.tsv"), "a") == ""
    )  # itself
    assert cross_domain_partner("", "", "simulator") is None  # the simulator against itself
    assert cross_domain_partner("", str(tmp_path / "missing.tsv"), "simulator") is None


def test_partner_rows_leave_out_texts_on_the_other_side() -> None:
    other = pd.DataFrame({"text": [f"text {i}" for i in range(40)], "sentiment": "pos"})
    train, test = split_reviews(other, 0.3, seed=0)
    seen_in_test, seen_in_train = [other["text"][train[0]]], [other["text"][test[0]].upper()]
    rows_train, rows_test, left_out = partner_rows(other, seen_in_train, seen_in_test, 100, 100, seed=0)
    assert left_out == 2 and train[0] not in rows_train and test[0] not in rows_test
    assert len(rows_train) == len(train) - 1 and len(rows_test) == len(test) - 1
    small_train, small_test, _ = partner_rows(other, [], [], 5, 3, seed=0)
    assert len(small_train) == 5 and len(small_test) == 3 and set(small_train) <= set(train)


def test_held_out_reviews_drop_the_texts_trained_on() -> None:
    reviews = pd.DataFrame({"text": ["a", "b", "c", "d"]})
    held_out = held_out_reviews(reviews, np.array([1, 2, 3]), [" B", "x"])
    assert list(held_out["text"]) == ["c", "d"] and list(held_out.index) == [2, 3]
