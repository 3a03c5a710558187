"""Checkers for notebook 00b (meet the data): purchase rate per group, one signal's probability."""

from __future__ import annotations

import math
from typing import Any

from helpers.exercises.base import as_number, checker, fail, require

__all__ = ["check_conversion_by_group", "check_signal_probability"]


@checker
def check_conversion_by_group(answer: Any, sessions: Any, column: str) -> bool:
    """``answer`` is the purchase rate of ``sessions`` per value of ``column`` (a Series or dict)."""
    expected = sessions.groupby(column)["purchased"].mean()
    require(
        hasattr(answer, "items"),
        f"expected a pandas Series or dict, got {type(answer).__name__}",
        f'group the sessions by {column!r} and average "purchased"',
    )
    answer = dict(answer.items())
    missing = sorted(set(expected.index) - set(answer))
    require(not missing, f"no rate for {missing}", f"include every value of {column!r}")
    wrong = [
        k for k in expected.index if not math.isclose(float(answer[k]), float(expected[k]), abs_tol=1e-6)
    ]
    if not wrong:
        return True
    counts = sessions.groupby(column).size()
    if all(math.isclose(float(answer[k]), float(counts[k])) for k in expected.index):
        fail("those are session counts, not rates", 'take the mean of the boolean "purchased" column')
    fail(f"wrong rate for {wrong}", 'rate = purchases / sessions, i.e. .mean() of "purchased"')


@checker
def check_signal_probability(answer: Any, intercept: float, weight: float) -> bool:
    """``answer`` is the purchase probability sigma(intercept + weight) of a session with this one signal."""
    value = as_number(answer, "the probability")
    if math.isclose(value, _sigmoid(intercept + weight), abs_tol=5e-3):
        return True
    if math.isclose(value, math.exp(weight), rel_tol=1e-2):
        fail(
            "that is the factor on the odds, not the probability",
            "odds = p / (1 - p): grow them, then convert back",
        )
    if math.isclose(value, _sigmoid(intercept) * math.exp(weight), rel_tol=1e-2):
        fail("the weight multiplies the odds, not the probability", "turn p into odds p / (1 - p) first")
    fail(
        f"{value:.3f} is not the probability of a session with only this signal",
        "the weights add in the logit: p = 1 / (1 + exp(-(intercept + weight)))",
    )


def _sigmoid(logit: float) -> float:
    return 1 / (1 + math.exp(-logit))
