"""The data checkers (notebook 00b) accept right answers and reject the usual mistakes."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from helpers.errors import ExerciseError
from helpers.exercises.data import check_conversion_by_group, check_signal_probability


def test_conversion_by_group_checker() -> None:
    sessions = pd.DataFrame(
        {"kind": ["a", "a", "b", "b", "b"], "purchased": [True, False, False, False, True]}
    )
    assert check_conversion_by_group(sessions.groupby("kind")["purchased"].mean(), sessions, "kind")
    with pytest.raises(ExerciseError, match="counts"):
        check_conversion_by_group(sessions.groupby("kind").size(), sessions, "kind")
    with pytest.raises(ExerciseError, match="no rate"):
        check_conversion_by_group({"a": 0.5}, sessions, "kind")
    with pytest.raises(ExerciseError, match="wrong rate"):
        check_conversion_by_group({"a": 0.5, "b": 0.5}, sessions, "kind")


def test_signal_probability_checker() -> None:
    assert check_signal_probability(0.3543, intercept=-3.6, weight=3.0)  # sigma(-0.6), rounded by hand
    with pytest.raises(ExerciseError, match="factor on the odds"):
        check_signal_probability(math.exp(3.0), intercept=-3.6, weight=3.0)
    with pytest.raises(ExerciseError, match="multiplies the odds"):
        check_signal_probability(math.exp(3.0) / (1 + math.exp(3.6)), intercept=-3.6, weight=3.0)
    with pytest.raises(ExerciseError, match="not the probability"):
        check_signal_probability(0.6, intercept=-3.6, weight=3.0)  # 3.0 / 5: no logit in sight
