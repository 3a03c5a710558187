"""Checkers for notebook 03 (the BERT predictor): ``pos_weight`` and the weighted BCE loss."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from helpers.exercises.base import as_number, as_tensor, checker, fail

__all__ = ["check_bce_loss", "check_pos_weight", "check_unshifted_probability"]


@checker
def check_pos_weight(answer: Any, labels: Sequence[int]) -> bool:
    """``answer`` is the ``pos_weight`` for BCEWithLogitsLoss: negatives / positives in ``labels``."""
    labels = [int(bool(label)) for label in labels]
    positives = sum(labels)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        raise ValueError(
            f"pos_weight needs both classes; the labels have {positives} positives, {negatives} negatives"
        )
    value = float(as_tensor(answer, "pos_weight").reshape(-1)[0])
    if math.isclose(value, negatives / positives, rel_tol=1e-3):
        return True
    if math.isclose(value, positives / negatives, rel_tol=1e-3):
        fail("that is positives / negatives, upside down", "positives are rare, so their weight is > 1")
    if math.isclose(value, positives / len(labels), rel_tol=1e-3):
        fail("that is the share of positives", "divide the number of negatives by the number of positives")
    fail(
        f"{value:g} is not the pos_weight for {positives} positives and {negatives} negatives",
        "pos_weight = number of negative examples / number of positive examples",
    )


@checker
def check_bce_loss(answer: Any, logits: Any, labels: Any, pos_weight: float) -> bool:
    """``answer`` is the mean weighted binary cross-entropy of ``logits`` for ``labels``."""
    logits, labels = as_tensor(logits, "logits"), as_tensor(labels, "labels").double()
    value = float(as_tensor(answer, "loss").reshape(-1)[0])
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    expected = bce(logits, labels, pos_weight=torch.tensor(pos_weight, dtype=torch.float64)).item()
    if math.isclose(value, expected, rel_tol=1e-4):
        return True
    if math.isclose(value, bce(logits, labels).item(), rel_tol=1e-4):
        fail("that is the loss without pos_weight", "multiply the positive examples' term by pos_weight")
    if math.isclose(value, bce(torch.sigmoid(logits), labels).item(), rel_tol=1e-4):
        fail("the sigmoid was applied twice", "BCE *with logits* takes the raw scores, not probabilities")
    fail(
        f"{value:.5f} is not the expected loss",
        "loss = mean(-(pos_weight · y · log σ(z) + (1 - y) · log(1 - σ(z))))",
    )


@checker
def check_unshifted_probability(answer: Any, probability: float, pos_weight: float) -> bool:
    """``answer`` is the probability a ``pos_weight``-trained model means when it says ``probability``.

    Training with ``pos_weight`` = w shifts the logits by log w, so the calibrated probability is
    σ(logit(p) − log w) = p / (p + w (1 − p)).
    """
    value = as_number(answer, "probability")
    expected = probability / (probability + pos_weight * (1 - probability))
    if math.isclose(value, expected, rel_tol=1e-3):
        return True
    if math.isclose(value, probability / pos_weight, rel_tol=1e-3):
        fail("that divides the probability by w", "the shift is on the logit scale: logit(p) − log w")
    shifted_up = probability * pos_weight / (probability * pos_weight + 1 - probability)
    if math.isclose(value, shifted_up, rel_tol=1e-3):
        fail("that shifts the logit the wrong way", "pos_weight pushed the logits *up*; take log w off")
    fail(f"{value:g} is not the calibrated probability", "logit(p) = log(p / (1 − p)); take off log w; σ")
