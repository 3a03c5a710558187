"""The checker of notebook 09 accepts the right margin in any numeric form and rejects the usual mistakes."""

import numpy as np
import pytest

from helpers.errors import ExerciseError
from helpers.exercises.report import check_budget_margin

P = np.array([0.05, 0.5, 0.2, 0.1, 0.025, 0.4])  # by probability: 0.5, 0.4, 0.2, 0.1, 0.05, 0.025


def test_budget_margin_accepts_the_right_answer_in_any_numeric_form():
    for answer in (10.0, np.float64(10.0), np.float32(10.0), np.array([10.0]), 10):
        assert check_budget_margin(answer, P, 1.0, 4.5)  # the budget pays for 4: the 4th is 0.1, 1 / 0.1
    assert check_budget_margin(40.0, P, 1.0, 100.0)  # edge: the budget covers all, the last is 0.025
    assert check_budget_margin(20.0, list(P), 2.0, 9.0)  # the budget pays for 4 at 2 each: 2 / 0.1
    assert check_budget_margin(float("inf"), [0.3, 0.0], 1.0, 5.0)  # edge: p = 0 never pays


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (0.1, "upside down"),  # p / cost
        (5.0, "next to the last"),  # 1 / 0.2: the 3rd customer
        (20.0, "next to the last"),  # 1 / 0.05: the 5th customer
        (12.0, "not the break-even margin"),
        ("many", "number"),
    ],
)
def test_budget_margin_rejects_the_usual_mistakes(answer, message):
    with pytest.raises(ExerciseError, match=message):
        check_budget_margin(answer, P, 1.0, 4.5)


def test_budget_margin_names_a_count_from_the_bottom():
    # The budget pays for 2: the 2nd from the top is 0.4 (margin 2.5), the 2nd from the bottom 0.05 (20)
    assert check_budget_margin(2.5, P, 1.0, 2.5)
    with pytest.raises(ExerciseError, match="lowest probability"):
        check_budget_margin(20.0, P, 1.0, 2.5)


def test_budget_margin_needs_a_budget_for_one_contact():
    with pytest.raises(ValueError, match="no contact"):
        check_budget_margin(1.0, P, 2.0, 1.0)
