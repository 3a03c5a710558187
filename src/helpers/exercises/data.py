"""Checker for notebook 00b (meet the data): the purchase rate per group of sessions."""

from __future__ import annotations

import math
from typing import Any

from helpers.exercises.base import checker, fail, require

__all__ = ["check_conversion_by_group"]


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
    counts = sessions.groupby(column).size()
    if all(math.isclose(float(answer[k]), float(counts[k])) for k in expected.index):
        fail("those are session counts, not rates", 'take the mean of the boolean "purchased" column')
    wrong = [
        k for k in expected.index if not math.isclose(float(answer[k]), float(expected[k]), abs_tol=1e-6)
    ]
    require(not wrong, f"wrong rate for {wrong}", 'rate = purchases / sessions, i.e. .mean() of "purchased"')
    return True
