"""The evaluation checkers (notebook 05) accept right answers and reject the usual mistakes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers.errors import ExerciseError
from helpers.exercises.evaluation import check_expected_profit, check_lift_above_threshold

LABELS = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 0])
PROBABILITIES = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])


def test_lift_above_threshold_checker() -> None:
    # p >= 0.5: five sessions, two buyers (rate 0.4); overall rate 0.3
    assert check_lift_above_threshold(0.4 / 0.3, LABELS, PROBABILITIES, 0.5)
    with pytest.raises(ExerciseError, match="purchase rate of the group"):
        check_lift_above_threshold(0.4, LABELS, PROBABILITIES, 0.5)
    with pytest.raises(ExerciseError, match="recall"):
        check_lift_above_threshold(2 / 3, LABELS, PROBABILITIES, 0.5)
    with pytest.raises(ExerciseError, match="upside down"):
        check_lift_above_threshold(0.3 / 0.4, LABELS, PROBABILITIES, 0.5)
    with pytest.raises(ExerciseError, match="exactly 0.5"):
        check_lift_above_threshold(
            0.5 / 0.3, LABELS, PROBABILITIES, 0.5
        )  # p > 0.5: four sessions, two buyers
    # p >= 0.75: two sessions, one buyer; the eight below hold two buyers (rate 0.25)
    assert check_lift_above_threshold(0.5 / 0.3, LABELS, PROBABILITIES, 0.75)
    with pytest.raises(ExerciseError, match="below the threshold"):
        check_lift_above_threshold(0.25 / 0.3, LABELS, PROBABILITIES, 0.75)
    with pytest.raises(ExerciseError, match="not the lift"):
        check_lift_above_threshold(1.0, LABELS, PROBABILITIES, 0.5)


def test_lift_above_threshold_checker_when_the_lift_is_undefined() -> None:
    assert check_lift_above_threshold(1.0, LABELS, PROBABILITIES, 0.0)  # everyone: the overall rate itself
    assert check_lift_above_threshold(float("nan"), LABELS, PROBABILITIES, 0.95)  # nobody reaches 0.95
    with pytest.raises(ExerciseError, match="undefined"):
        check_lift_above_threshold(0.0, LABELS, PROBABILITIES, 0.95)
    assert check_lift_above_threshold(math.nan, np.zeros(10), PROBABILITIES, 0.5)  # nobody buys
    with pytest.raises(ExerciseError, match="not the lift"):
        check_lift_above_threshold(math.nan, LABELS, PROBABILITIES, 0.5)


def test_expected_profit_checker() -> None:
    # cost 1, margin 4: contact when 4p >= 1, i.e. p >= 0.25: the first seven (p from 0.9 down to 0.3)
    right = 4 * (0.9 + 0.8 + 0.7 + 0.6 + 0.5 + 0.4 + 0.3) - 7
    assert check_expected_profit(right, PROBABILITIES, 1.0, 4.0, LABELS)
    assert check_expected_profit(np.float32(right), PROBABILITIES, 1.0, 4.0)  # float32 rounding is fine
    with pytest.raises(ExerciseError, match="realised"):
        check_expected_profit(4 * 3 - 7, PROBABILITIES, 1.0, 4.0, LABELS)
    with pytest.raises(ExerciseError, match="every session"):
        check_expected_profit(4 * PROBABILITIES.sum() - 10, PROBABILITIES, 1.0, 4.0, LABELS)
    with pytest.raises(ExerciseError, match="contact costs"):
        check_expected_profit(right + 7, PROBABILITIES, 1.0, 4.0, LABELS)
    with pytest.raises(ExerciseError, match="not the expected profit"):
        check_expected_profit(right + 1, PROBABILITIES, 1.0, 4.0, LABELS)


def test_expected_profit_checker_edge_cases() -> None:
    assert check_expected_profit(0, PROBABILITIES, 10.0, 4.0)  # no contact pays: contact nobody
    # p = 0.5 breaks even exactly at cost 2, margin 4: contacted or not, it adds nothing
    assert check_expected_profit(4 * (0.9 + 0.8 + 0.7 + 0.6) - 8, PROBABILITIES, 2.0, 4.0)
    assert check_expected_profit(4 * PROBABILITIES.sum(), PROBABILITIES, 0.0, 4.0)  # free contacts: everyone
    with pytest.raises(ExerciseError, match="a number"):
        check_expected_profit("12", PROBABILITIES, 1.0, 4.0)
