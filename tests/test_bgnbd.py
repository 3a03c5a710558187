"""BG/NBD: the paper's CDNOW fit, and the model's formulas at cases that can be checked by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from helpers.bgnbd import (
    BgNbd,
    cumulative_repeat_purchases,
    expected_repeat_purchases,
    expected_transactions,
    fit_bgnbd,
    probability_alive,
)
from helpers.data.cdnow import load_cdnow
from helpers.errors import DataError

PAPER = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "log_likelihood": -9582.4}
MODEL = BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=float("nan"))


def test_fit_reproduces_fader_hardie_lee_2005() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sample = load_cdnow("sample")
    fitted = fit_bgnbd(sample["frequency"], sample["recency"], sample["T"]).as_dict()
    for name, value in PAPER.items():
        assert fitted[name] == pytest.approx(value, rel=0.01), name


def test_no_repeat_purchase_means_certainly_alive() -> None:
    assert probability_alive(MODEL, [0], [0], [30]).tolist() == [1.0]
    # A repeat buyer silent for a long time is less likely alive than one who just bought.
    recent, silent = probability_alive(MODEL, [3, 3], [29, 5], [30, 30])
    assert recent > silent


def test_expectations_grow_with_time_and_start_at_zero() -> None:
    assert expected_repeat_purchases(MODEL, 0.0) == pytest.approx(0.0)
    weeks = np.array([1, 10, 39, 78])
    assert np.all(np.diff(expected_repeat_purchases(MODEL, weeks)) > 0)
    assert expected_transactions(MODEL, 0.0, [2], [10], [30])[0] == pytest.approx(0.0)
    more = expected_transactions(MODEL, 39, [5, 1], [29, 29], [30, 30])
    assert more[0] > more[1]  # frequent buyers are expected to buy more


def test_cumulative_forecast_adds_up_the_customers() -> None:
    first_week = np.array([0.0, 2.0])
    weeks = np.array([1.0, 5.0])
    total = cumulative_repeat_purchases(MODEL, first_week, weeks)
    first, fifth, third = (expected_repeat_purchases(MODEL, week) for week in (1.0, 5.0, 3.0))
    by_hand = [first, fifth + third]  # in week 5 the second customer has been watched for 3 weeks
    assert total == pytest.approx(by_hand)


def test_impossible_summaries_are_refused() -> None:
    with pytest.raises(DataError, match="recency"):
        fit_bgnbd([1], [40], [30])  # the last purchase after the end of observation
    with pytest.raises(DataError, match="same length"):
        probability_alive(MODEL, [1, 2], [1], [3])
