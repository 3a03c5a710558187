"""The predictor checkers (notebook 03) accept right answers and reject the usual mistakes."""

from __future__ import annotations

import pytest
import torch

from helpers.errors import ExerciseError
from helpers.exercises.predictor import check_bce_loss, check_pos_weight, check_unshifted_probability


def test_pos_weight_checker() -> None:
    labels = [1, 0, 0, 0, 0, 1, 0, 0]
    assert check_pos_weight(3.0, labels)
    with pytest.raises(ExerciseError, match="upside down"):
        check_pos_weight(1 / 3, labels)
    with pytest.raises(ExerciseError, match="share of positives"):
        check_pos_weight(0.25, labels)
    with pytest.raises(ExerciseError, match="not the pos_weight"):
        check_pos_weight(2.0, labels)


def test_bce_loss_checker() -> None:
    logits, labels = torch.tensor([2.0, -1.0, 0.5]), torch.tensor([1.0, 0.0, 0.0])
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    right = bce(logits, labels, pos_weight=torch.tensor(4.0))
    assert check_bce_loss(right, logits, labels, 4.0)
    with pytest.raises(ExerciseError, match="without pos_weight"):
        check_bce_loss(bce(logits, labels), logits, labels, 4.0)
    with pytest.raises(ExerciseError, match="twice"):
        check_bce_loss(bce(torch.sigmoid(logits), labels), logits, labels, 4.0)
    with pytest.raises(ExerciseError, match="not the expected"):
        check_bce_loss(0.1, logits, labels, 4.0)
    # pos_weight 1: the weighted loss is the plain one; ln 2 (logit 0) rounded to 5 digits is right
    assert check_bce_loss(0.69315, torch.zeros(2), torch.tensor([1.0, 0.0]), 1.0)


def test_pos_weight_checker_balanced_labels() -> None:
    # Balanced classes: negatives / positives = positives / negatives = 1, and 1 is right.
    assert check_pos_weight(1.0, [1, 0, 1, 0])


def test_unshifted_probability_checker() -> None:
    assert check_unshifted_probability(0.1, probability=0.5, pos_weight=9.0)  # 0.5 / (0.5 + 9 * 0.5)
    calibrated = torch.sigmoid(torch.tensor(0.0) - torch.log(torch.tensor(9.0)))
    assert check_unshifted_probability(calibrated, 0.5, 9.0)
    with pytest.raises(ExerciseError, match="divides the probability"):
        check_unshifted_probability(0.5 / 9, probability=0.5, pos_weight=9.0)
    with pytest.raises(ExerciseError, match="wrong way"):
        check_unshifted_probability(0.9, probability=0.5, pos_weight=9.0)
    with pytest.raises(ExerciseError, match="not the calibrated"):
        check_unshifted_probability(0.3, probability=0.5, pos_weight=9.0)
    # edge: balanced classes (w = 1) leave the probability as it is
    assert check_unshifted_probability(0.7, probability=0.7, pos_weight=1.0)


def test_pos_weight_checker_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="needs both classes"):
        check_pos_weight(1.0, [0, 0, 0])
