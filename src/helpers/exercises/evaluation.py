"""Checkers for notebook 05 (evaluation): top-decile lift and the best campaign size by profit."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from helpers.evaluation import profit_curve, top_decile_lift
from helpers.exercises.base import as_number, checker, fail, require

__all__ = ["check_best_contacts", "check_top_decile_lift"]


@checker
def check_top_decile_lift(answer: Any, labels: Any, scores: Any) -> bool:
    """``answer`` is the purchase rate of the top 10 % by score divided by the overall purchase rate."""
    value = as_number(answer, "the lift")
    y, s = np.asarray(labels).astype(int), np.asarray(scores, dtype=float)
    expected = top_decile_lift(y, s)
    top = y[np.argsort(-s, kind="stable")[: -(-len(y) // 10)]]
    if math.isclose(value, top.mean(), rel_tol=1e-6) and not math.isclose(value, expected, rel_tol=1e-6):
        fail(
            "that is the purchase rate of the top decile, not its lift",
            "divide it by the overall purchase rate",
        )
    if math.isclose(value, y[np.argsort(s, kind="stable")[: len(top)]].mean() / y.mean(), rel_tol=1e-6):
        fail(
            "that is the bottom decile: the scores were sorted the wrong way", "sort by score, highest first"
        )
    require(
        math.isclose(value, expected, rel_tol=1e-6),
        f"{value:.4f} is not the top-decile lift",
        "take the ceil(n / 10) customers with the highest scores; lift = their purchase rate / overall rate",
    )
    return True


@checker
def check_best_contacts(answer: Any, labels: Any, scores: Any, contact_cost: float, margin: float) -> bool:
    """``answer`` is how many customers (best scores first) to contact for the largest profit."""
    value = as_number(answer, "the number of contacts")
    curve = profit_curve(labels, scores, contact_cost, margin)
    best = curve.loc[curve["profit"].idxmax()]
    if 0 < value < 1:
        fail("that looks like a share of the customers", "answer with a count of customers")
    at_answer = curve["profit"].iloc[int(value)] if 0 <= value < len(curve) and value == int(value) else None
    require(
        at_answer is not None,
        f"{value:g} is not a whole number of customers between 0 and {len(curve) - 1}",
        "answer with a count of customers",
    )
    require(
        math.isclose(at_answer, best["profit"]),
        f"contacting {value:g} customers earns {at_answer:,.2f}; another campaign size earns more",
        "profit(k) = margin × buyers among the top k − contact_cost × k; take the k where it is largest",
    )
    return True
