"""The evaluation checkers (notebook 05) accept right answers and reject the usual mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.errors import ExerciseError
from helpers.exercises.evaluation import check_best_contacts, check_top_decile_lift

LABELS = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 0])
SCORES = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])


def test_top_decile_lift_checker() -> None:
    assert check_top_decile_lift(1 / 0.3, LABELS, SCORES)
    with pytest.raises(ExerciseError, match="not its lift"):
        check_top_decile_lift(1.0, LABELS, SCORES)  # the top decile's purchase rate
    with pytest.raises(ExerciseError, match="wrong way"):
        check_top_decile_lift(0.0, LABELS, SCORES)
    with pytest.raises(ExerciseError, match="not the top-decile lift"):
        check_top_decile_lift(2.0, LABELS, SCORES)


def test_top_decile_lift_checker_takes_any_order_of_tied_scores() -> None:
    labels = np.array([1] * 3 + [0] * 17)
    scores = np.r_[1.0, np.zeros(19)]  # 19 tie for the second place of the top decile
    for second in (0, 1):  # a tied non-buyer or a tied buyer second
        assert check_top_decile_lift((1 + second) / 2 / 0.15, labels, scores)
    assert check_top_decile_lift((1 + 2 / 19) / 2 / 0.15, labels, scores)  # the average over the orders
    with pytest.raises(ExerciseError, match="not the top-decile lift"):
        check_top_decile_lift(3 / 2 / 0.15, labels, scores)
    with pytest.raises(ExerciseError, match="not the top-decile lift"):
        check_top_decile_lift(1.5 / 2 / 0.15, labels, scores)  # between two orders: no order gives it


def test_best_contacts_checker() -> None:
    assert check_best_contacts(6, LABELS, SCORES, contact_cost=1.0, margin=4.0)
    with pytest.raises(ExerciseError, match="share"):
        check_best_contacts(0.6, LABELS, SCORES, contact_cost=1.0, margin=4.0)
    with pytest.raises(ExerciseError, match="earns"):
        check_best_contacts(3, LABELS, SCORES, contact_cost=1.0, margin=4.0)
    with pytest.raises(ExerciseError, match="whole number"):
        check_best_contacts(20, LABELS, SCORES, contact_cost=1.0, margin=4.0)
    tied = np.array([0.9, 0.5, 0.5, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.0])
    with pytest.raises(ExerciseError, match="same score"):
        check_best_contacts(2, LABELS, tied, contact_cost=1.0, margin=4.0)
    assert check_best_contacts(6, LABELS, tied, contact_cost=1.0, margin=4.0)
