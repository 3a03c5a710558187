"""The checkers of notebook 07 accept right answers and explain wrong ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.errors import ExerciseError
from helpers.exercises.sentiment import check_class_precisions, check_class_recalls, check_label_prior
from helpers.sentiment import class_probabilities

# Confusion matrix (rows true, columns predicted): [[1, 2], [1, 4]]: recalls 1/3, 4/5; precisions 1/2, 2/3.
LABELS = np.array([0, 0, 0, 1, 1, 1, 1, 1])
PREDICTIONS = np.array([0, 1, 1, 0, 1, 1, 1, 1])
RECALLS, PRECISIONS = [1 / 3, 4 / 5], [1 / 2, 2 / 3]


@pytest.mark.parametrize(
    "answer",
    [RECALLS, np.array(RECALLS), [np.float64(r) for r in RECALLS], pd.Series(RECALLS), tuple(RECALLS)],
)
def test_class_recalls_accept_any_sequence_of_numbers(answer) -> None:
    assert check_class_recalls(answer, LABELS, PREDICTIONS, 2)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (PRECISIONS, "those are the precisions"),
        (RECALLS[::-1], "reverse order"),
        ([100 * r for r in RECALLS], "percentages"),
        ([1, 4], "counts of correct predictions"),
        (np.mean(RECALLS), "expected 2 recalls, one per class, got 1 value"),
        (RECALLS + [0.5], "expected 2 recalls"),
        ([[1 / 3], [4 / 5]], "expected 2 recalls"),
        (["1/3", "4/5"], "should be numbers"),
        ([0.3, 0.8], "are not the recalls"),
    ],
)
def test_class_recalls_reject_common_mistakes(answer, message) -> None:
    with pytest.raises(ExerciseError, match=message):
        check_class_recalls(answer, LABELS, PREDICTIONS, 2)


def test_class_precisions() -> None:
    assert check_class_precisions(np.array(PRECISIONS), LABELS, PREDICTIONS, 2)
    with pytest.raises(ExerciseError, match="those are the recalls"):
        check_class_precisions(RECALLS, LABELS, PREDICTIONS, 2)
    with pytest.raises(ExerciseError, match="reverse order"):
        check_class_precisions(PRECISIONS[::-1], LABELS, PREDICTIONS, 2)


def test_a_class_never_predicted_or_never_seen_may_be_zero_or_nan() -> None:
    labels, predictions = np.array([0, 0, 1, 1]), np.array([0, 0, 0, 0])  # class 2: no example, no prediction
    assert check_class_precisions([0.5, 0.0, 0.0], labels, predictions, 3)
    assert check_class_precisions([0.5, np.nan, np.nan], labels, predictions, 3)
    assert check_class_recalls([1.0, 0.0, np.nan], labels, predictions, 3)
    with pytest.raises(ExerciseError, match="not the recalls"):
        check_class_recalls([1.0, np.nan, np.nan], labels, predictions, 3)  # class 1 has examples: recall 0


def test_label_prior() -> None:
    prior = np.array([-1.0, -2.5])
    assert check_label_prior(1.5, prior)
    assert check_label_prior(np.float32(1.5), prior)
    with pytest.raises(ExerciseError, match="sign"):
        check_label_prior(-1.5, prior)
    with pytest.raises(ExerciseError, match="probabilities"):
        check_label_prior(np.exp(-1.0) - np.exp(-2.5), prior)
    with pytest.raises(ExerciseError, match="one number"):
        check_label_prior(prior, prior)
    # equal log-probabilities: the gap 0 is also e^-1 - e^-1, the "probabilities" mistake; 0 is right
    assert check_label_prior(0.0, np.array([-1.0, -1.0]))


def test_class_probabilities() -> None:
    assert np.allclose(class_probabilities(np.array([0.0])), [[0.5, 0.5]])
    assert np.allclose(class_probabilities(np.array([0.2]), are_probabilities=True), [[0.8, 0.2]])
    rows = class_probabilities(np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 10.0]]))
    assert np.allclose(rows.sum(axis=1), 1) and rows[1].argmax() == 2
