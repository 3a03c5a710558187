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
    assert check_conversion_by_group({"a": 0.5, "b": 1 / 3}, sessions, "kind")  # 1 of 2, 1 of 3 by hand
    assert check_conversion_by_group(pd.Series({"a": 0.5, "b": 1 / 3}), sessions, "kind")
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


def test_conversion_by_group_accepts_rates_that_equal_the_counts() -> None:
    # one session per group, both bought: rate 1.0 = count 1; the right answer is not "counts"
    sessions = pd.DataFrame({"kind": ["a", "b"], "purchased": [True, True]})
    assert check_conversion_by_group({"a": 1.0, "b": 1.0}, sessions, "kind")


@pytest.mark.parametrize(
    ("answer", "weight"),
    [
        (0.026597, 0.0),  # sigma(-3.6) = 1 / (1 + e^3.6) = 1 / 37.598: also the odds-times-e^w mistake
        (0.035571, 0.3),  # sigma(-3.3) = 1 / (1 + e^3.3) = 1 / 28.113; the mistake gives 0.0359 (1 % off)
    ],
)
def test_signal_probability_accepts_the_right_answer_near_the_mistake(answer, weight) -> None:
    assert check_signal_probability(answer, intercept=-3.6, weight=weight)


def test_signal_probability_still_names_the_mistake_at_a_large_weight() -> None:
    # sigma(-3.6) · e^2 = 0.026597 · 7.389 = 0.1965, against the right sigma(-1.6) = 0.1680
    with pytest.raises(ExerciseError, match="multiplies the odds"):
        check_signal_probability(0.1965, intercept=-3.6, weight=2.0)
    assert check_signal_probability(0.168, intercept=-3.6, weight=2.0)
