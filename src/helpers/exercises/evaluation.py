"""Checkers for notebook 05 (evaluation): top-decile lift and the best campaign size by profit."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from helpers.evaluation import profit_curve, top_decile_lift, top_decile_lift_range
from helpers.exercises.base import as_number, checker, fail, require

__all__ = ["check_best_contacts", "check_top_decile_lift"]


@checker
def check_top_decile_lift(answer: Any, labels: Any, scores: Any) -> bool:
    """``answer`` is the purchase rate of the top 10 % by score divided by the overall purchase rate.

    Scores that tie across the cut may be ordered any way: the lift of every such order is right, and
    so is their average (:func:`helpers.evaluation.top_decile_lift`).
    """
    value = as_number(answer, "the lift")
    y, s = np.asarray(labels).astype(int), np.asarray(scores, dtype=float)
    top = -(-len(y) // 10)
    right = [top_decile_lift(y, s), *_lifts_of_tie_orders(y, s)]

    def is_one_of(values: list[float], scale: float = 1.0) -> bool:
        return any(math.isclose(value, v * scale, rel_tol=1e-6) for v in values)

    if is_one_of(right):
        return True
    if is_one_of(right, y.mean()):
        fail(
            "that is the purchase rate of the top decile, not its lift",
            "divide it by the overall purchase rate",
        )
    if math.isclose(value, y[np.argsort(s, kind="stable")[:top]].mean() / y.mean(), rel_tol=1e-6):
        fail(
            "that is the bottom decile: the scores were sorted the wrong way", "sort by score, highest first"
        )
    fail(
        f"{value:.4f} is not the top-decile lift",
        "take the ceil(n / 10) customers with the highest scores; lift = their purchase rate / overall rate",
    )


def _lifts_of_tie_orders(y: np.ndarray, s: np.ndarray) -> list[float]:
    """The top-decile lift of every order of the customers whose scores tie at the cut."""
    least, most = top_decile_lift_range(y, s)
    top = -(-len(y) // 10)
    step = 1 / top / y.mean()  # one more tied buyer in the top decile
    return [least + j * step for j in range(round((most - least) / step) + 1)]


@checker
def check_best_contacts(answer: Any, labels: Any, scores: Any, contact_cost: float, margin: float) -> bool:
    """``answer`` is how many customers (best scores first) to contact for the largest profit."""
    value = as_number(answer, "the number of contacts")
    y, s = np.asarray(labels).astype(int), np.asarray(scores, dtype=float)
    curve = profit_curve(y, s, contact_cost, margin)
    if 0 < value < 1:
        fail("that looks like a share of the customers", "answer with a count of customers")
    require(
        0 <= value <= len(y) and value == int(value),
        f"{value:g} is not a whole number of customers between 0 and {len(y)}",
        "answer with a count of customers",
    )
    at_answer = curve.loc[curve["contacted"] == int(value), "profit"]
    require(
        len(at_answer) == 1,
        f"customer {int(value)} and customer {int(value) + 1} by score have the same score: no threshold "
        "contacts one without the other",
        "contact every customer whose score ties, or none of them",
    )
    require(
        math.isclose(at_answer.iloc[0], curve["profit"].max()),
        f"contacting {value:g} customers earns {at_answer.iloc[0]:,.2f}; another campaign size earns more",
        "profit(k) = margin × buyers among the top k − contact_cost × k; take the k where it is largest",
    )
    return True
