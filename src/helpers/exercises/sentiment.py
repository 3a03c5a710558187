"""Checkers for notebook 07 (sentiment): per-class recall and precision by hand, the prior of a label word."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from helpers.exercises.base import as_number, checker, fail, require

__all__ = ["check_class_precisions", "check_class_recalls", "check_label_prior"]

_HINTS = {
    "recall": "the recall of class c is the diagonal cell of row c (true class c) over its sum",
    "precision": "the precision of class c is the diagonal cell of column c (predicted c) over its sum",
}


@checker
def check_class_recalls(answer: Any, labels: Any, predictions: Any, n_classes: int) -> bool:
    """``answer`` holds, for each class 0 … ``n_classes`` − 1 in order, the share of its examples that
    were predicted as that class (0 or NaN for a class with no examples)."""
    return _check_rates(answer, labels, predictions, n_classes, "recall")


@checker
def check_class_precisions(answer: Any, labels: Any, predictions: Any, n_classes: int) -> bool:
    """``answer`` holds, for each class 0 … ``n_classes`` − 1 in order, the share of the examples
    predicted as that class that truly are (0 or NaN for a class never predicted)."""
    return _check_rates(answer, labels, predictions, n_classes, "precision")


def _check_rates(answer: Any, labels: Any, predictions: Any, n_classes: int, kind: str) -> bool:
    """Accept the per-class ``kind`` (recall or precision), or say which common mistake the answer is."""
    y, p = np.asarray(labels, dtype=int), np.asarray(predictions, dtype=int)
    confusion = np.bincount(y * n_classes + p, minlength=n_classes**2).reshape(n_classes, n_classes)
    rates = {"recall": _rates(confusion, axis=1), "precision": _rates(confusion, axis=0)}
    values = _per_class(answer, f"{kind}s", n_classes)
    expected = rates[kind]
    if _same(values, expected):
        return True
    other = "precision" if kind == "recall" else "recall"
    if _same(values, rates[other]):
        fail(f"those are the {other}s", _HINTS[kind])
    if _same(values, expected[::-1]):
        fail("the classes are in reverse order", "entry i is class i, in the order of `classes`")
    if _same(values / 100, expected):
        fail("those are percentages", "give shares between 0 and 1")
    if _same(values, np.diag(confusion).astype(float)):
        fail("those are the counts of correct predictions", _HINTS[kind])
    fail(f"{np.round(values, 4).tolist()} are not the {kind}s of the classes", _HINTS[kind])


def _rates(confusion: np.ndarray, axis: int) -> np.ndarray:
    """The diagonal over the row sums (``axis=1``) or column sums (``axis=0``); NaN where that is 0/0."""
    totals = confusion.sum(axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(totals > 0, np.diag(confusion) / totals, np.nan)


def _per_class(answer: Any, what: str, n_classes: int) -> np.ndarray:
    """The answer as a float array of one value per class (a list, array or Series of numbers)."""
    values = np.asarray(answer)
    if values.dtype.kind not in "iuf":
        fail(f"{what} should be numbers, got {type(answer).__name__}", "a list or array of floats")
    if values.ndim != 1 or len(values) != n_classes:
        fail(
            f"expected {n_classes} {what}, one per class, got {values.size} value(s) of shape {values.shape}",
            "one value per class, in the order of `classes` (an average comes after)",
        )
    return values.astype(float)


def _same(values: np.ndarray, expected: np.ndarray) -> bool:
    """Equal where ``expected`` is defined; where it is NaN (0/0), 0 and NaN are both accepted."""
    undefined = np.isnan(expected)
    defined_match = np.allclose(values[~undefined], expected[~undefined], rtol=1e-6, atol=1e-9)
    return bool(defined_match and np.all(np.isnan(values[undefined]) | (values[undefined] == 0)))


@checker
def check_label_prior(answer: Any, prior: Any) -> bool:
    """``answer`` is the first class's log-probability minus the last class's (in nats)."""
    require(np.size(answer) == 1, "the gap is one number", "subtract the last class's entry from the first's")
    value, prior = as_number(answer, "the gap"), np.asarray(prior, dtype=float)
    expected = float(prior[0] - prior[-1])
    if math.isclose(value, expected, rel_tol=1e-6, abs_tol=1e-9):
        return True
    if math.isclose(value, -expected, rel_tol=1e-6):
        fail("the sign is reversed", "first class minus last class")
    if math.isclose(value, math.exp(prior[0]) - math.exp(prior[-1]), rel_tol=1e-6):
        fail("that is a difference of probabilities", "subtract the log-probabilities themselves (nats)")
    fail(
        f"{value:.4f} is not the gap",
        "llm_prior['zeroshot'] holds one log-probability per class, measured on the content-free inputs",
    )
