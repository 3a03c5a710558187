"""The checkers of notebook 07 accept right answers and explain wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.errors import ExerciseError
from helpers.exercises.sentiment import check_balanced_accuracy, check_label_prior
from helpers.sentiment import class_probabilities


def test_balanced_accuracy() -> None:
    labels, predictions = np.array([0, 1, 1, 1]), np.array([0, 1, 0, 0])
    assert check_balanced_accuracy((1.0 + 1 / 3) / 2, labels, predictions)
    with pytest.raises(ExerciseError, match="plain accuracy"):
        check_balanced_accuracy(0.5, labels, predictions)
    with pytest.raises(ExerciseError, match="not the balanced"):
        check_balanced_accuracy(0.9, labels, predictions)


def test_label_prior() -> None:
    prior = np.array([-1.0, -2.5])
    assert check_label_prior(1.5, prior)
    with pytest.raises(ExerciseError, match="sign"):
        check_label_prior(-1.5, prior)
    with pytest.raises(ExerciseError, match="probabilities"):
        check_label_prior(np.exp(-1.0) - np.exp(-2.5), prior)


def test_class_probabilities() -> None:
    assert np.allclose(class_probabilities(np.array([0.0])), [[0.5, 0.5]])
    assert np.allclose(class_probabilities(np.array([0.2]), are_probabilities=True), [[0.8, 0.2]])
    rows = class_probabilities(np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 10.0]]))
    assert np.allclose(rows.sum(axis=1), 1) and rows[1].argmax() == 2
