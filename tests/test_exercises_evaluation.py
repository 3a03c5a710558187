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
    assert check_top_decile_lift(...) is False  # unanswered: a reminder, no error


def test_best_contacts_checker() -> None:
    assert check_best_contacts(6, LABELS, SCORES, contact_cost=1.0, margin=4.0)
    with pytest.raises(ExerciseError, match="share"):
        check_best_contacts(0.6, LABELS, SCORES, contact_cost=1.0, margin=4.0)
    with pytest.raises(ExerciseError, match="earns"):
        check_best_contacts(3, LABELS, SCORES, contact_cost=1.0, margin=4.0)
    with pytest.raises(ExerciseError, match="whole number"):
        check_best_contacts(20, LABELS, SCORES, contact_cost=1.0, margin=4.0)
