"""Checkers for notebook 07 (sentiment): balanced accuracy by hand, the prior of a label word."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.metrics import balanced_accuracy_score

from helpers.exercises.base import as_number, checker, fail, require

__all__ = ["check_balanced_accuracy", "check_label_prior"]


@checker
def check_balanced_accuracy(answer: Any, labels: Any, predictions: Any) -> bool:
    """``answer`` is the mean over classes of the share of that class's examples predicted correctly."""
    value = as_number(answer, "balanced accuracy")
    y, p = np.asarray(labels), np.asarray(predictions)
    if math.isclose(value, float((y == p).mean()), rel_tol=1e-6) and not math.isclose(
        value, balanced_accuracy_score(y, p), rel_tol=1e-6
    ):
        fail("that is the plain accuracy", "average the per-class recalls: each class counts the same")
    require(
        math.isclose(value, balanced_accuracy_score(y, p), rel_tol=1e-6),
        f"{value:.4f} is not the balanced accuracy",
        "for each class c: mean(predictions[labels == c] == c); then average over the classes",
    )
    return True


@checker
def check_label_prior(answer: Any, prior: Any) -> bool:
    """``answer`` is the first class's mean log-probability minus the last class's (in nats)."""
    value, prior = as_number(answer, "the gap"), np.asarray(prior, dtype=float)
    expected = float(prior[0] - prior[-1])
    if math.isclose(value, -expected, rel_tol=1e-6) and expected != 0:
        fail("the sign is reversed", "first class minus last class")
    if math.isclose(value, math.exp(prior[0]) - math.exp(prior[-1]), rel_tol=1e-6):
        fail("that is a difference of probabilities", "subtract the log-probabilities themselves (nats)")
    require(
        math.isclose(value, expected, rel_tol=1e-6, abs_tol=1e-9),
        f"{value:.4f} is not the gap",
        "llm_prior['zeroshot'] holds one mean log-probability per class",
    )
    return True
