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
    probability_of_purchase,
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


def _simulate_bgnbd(model: BgNbd, customers: int, T: float, weeks: float, seed: int = 0):
    """The BG/NBD story, customer by customer: (x, t_x) up to T, and whether they buy in (T, T + weeks]."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(model.r, 1 / model.alpha, customers)
    dropout = rng.beta(model.a, model.b, customers)
    now, x, t_x = np.zeros(customers), np.zeros(customers), np.zeros(customers)
    alive, buys_later = np.ones(customers, bool), np.zeros(customers, bool)
    while alive.any():
        now = now + rng.exponential(1 / np.maximum(rate, 1e-12))
        bought = alive & (now <= T + weeks)
        early, late = bought & (now <= T), bought & (now > T)
        x, t_x = x + early, np.where(early, now, t_x)
        buys_later |= late
        alive = early & (rng.random(customers) >= dropout)  # after a purchase, drop out with probability p
    return x, t_x, buys_later


def test_probability_of_purchase_matches_a_simulation_of_the_model() -> None:
    T, weeks = 30.0, 39.0
    x, t_x, buys_later = _simulate_bgnbd(MODEL, 400_000, T, weeks)
    predicted = probability_of_purchase(MODEL, weeks, x, t_x, np.full(len(x), T))
    for group in (x == 0, (x == 1) & (t_x > 20), (x >= 3) & (t_x < 15), (x >= 3) & (t_x > 25)):
        assert group.sum() > 2_000
        assert predicted[group].mean() == pytest.approx(buys_later[group].mean(), abs=0.01)
    # A yes/no score, unlike the expected count of equation (10), never exceeds 1.
    assert (
        predicted.max() <= 1 and (expected_transactions(MODEL, weeks, x, t_x, np.full(len(x), T)) > 1).any()
    )


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
