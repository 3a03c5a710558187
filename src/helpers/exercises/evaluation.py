"""Checkers for notebook 05 (evaluation): the lift of a threshold rule and a campaign's expected profit."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from helpers.exercises.base import as_number, checker, fail, require

__all__ = ["check_expected_profit", "check_lift_above_threshold"]


def _close(value: float, expected: float) -> bool:
    """Equal up to rounding, and NaN equal to NaN (an undefined answer given as NaN)."""
    if math.isnan(expected) or math.isnan(value):
        return math.isnan(expected) and math.isnan(value)
    return math.isclose(value, expected, rel_tol=1e-6, abs_tol=1e-9)


def _rate_ratio(labels: np.ndarray, chosen: np.ndarray) -> float:
    """Purchase rate of the ``chosen`` rows over the overall rate; NaN when either is undefined."""
    if not chosen.any() or labels.sum() == 0:
        return math.nan
    return float(labels[chosen].mean() / labels.mean())


@checker
def check_lift_above_threshold(answer: Any, labels: Any, probabilities: Any, threshold: float) -> bool:
    """``answer`` is the lift of the rows with ``probability >= threshold``: their purchase rate divided
    by the overall purchase rate (NaN when no row reaches the threshold or nobody buys)."""
    value = as_number(answer, "the lift")
    y, p = np.asarray(labels).astype(int), np.asarray(probabilities, dtype=float)
    require(
        len(y) == len(p) > 0,
        "labels and probabilities must be non-empty and of one length",
        "pass them as given",
    )
    chosen = p >= threshold
    right = _rate_ratio(y, chosen)
    if _close(value, right):
        return True
    if math.isnan(right):
        fail(
            f"no session has p >= {threshold:g} (or nobody buys): the lift is undefined",
            "answer float('nan'): a rate over an empty group has no value",
        )
    if _close(value, y[chosen].mean()):
        fail("that is the purchase rate of the group, not its lift", "divide it by the overall purchase rate")
    if _close(value, y[chosen].sum() / y.sum()):
        fail(
            "that is the share of all buyers the group holds (its recall), not its lift",
            "lift = the group's purchase rate / the overall purchase rate",
        )
    if right > 0 and _close(value, 1 / right):
        fail("that ratio is upside down", "the group's rate goes on top, the overall rate below")
    if _close(value, _rate_ratio(y, p > threshold)):
        fail(
            f"that leaves out the sessions whose p is exactly {threshold:g}",
            "'at least' includes the threshold itself: use >=",
        )
    if _close(value, _rate_ratio(y, ~chosen)):
        fail(
            "that is the lift of the sessions below the threshold",
            f"keep the sessions with p >= {threshold:g}",
        )
    fail(
        f"{value:.4f} is not the lift of the sessions with p >= {threshold:g}",
        "select them with a boolean mask; lift = their purchase rate / the purchase rate of all sessions",
    )


@checker
def check_expected_profit(
    answer: Any, probabilities: Any, contact_cost: float, margin: float, labels: Any = None
) -> bool:
    """``answer`` is the expected profit of the best campaign if ``probabilities`` are right: the sum of
    ``margin × p − contact_cost`` over the rows where that is not negative (contact those, no one else).

    ``labels`` (optional) only sharpen the hint when the answer is the profit realised on them.
    """
    value = as_number(answer, "the expected profit")
    p = np.asarray(probabilities, dtype=float)
    expected = margin * p - contact_cost  # what contacting each row earns, on average
    worth_it = expected >= 0
    if _close(value, float(expected[worth_it].sum())):
        return True
    if labels is not None:
        y = np.asarray(labels).astype(int)
        realised = margin * y[worth_it].sum() - contact_cost * worth_it.sum()
        if _close(value, float(realised)):
            fail(
                "that is the profit realised on the labels, after the campaign",
                "the expectation uses each probability p in place of the label: margin × p − contact_cost",
            )
    if _close(value, float(expected.sum())):
        fail(
            "that contacts every session, including those expected to lose money",
            "contact a session only when margin × p pays for its contact cost",
        )
    if _close(value, float(margin * p[worth_it].sum())):
        fail("that leaves out the contact costs", "each contacted session costs contact_cost, buyer or not")
    fail(
        f"{value:,.4f} is not the expected profit of the best campaign",
        "each contacted session earns margin × p − contact_cost on average; add that up over the sessions "
        "where it is positive",
    )
