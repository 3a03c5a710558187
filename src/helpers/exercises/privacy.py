"""Checkers for notebook 08 (privacy, explanations): a postcode redactor, the epsilon an attack needs."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from helpers.exercises.base import as_number, call_learner, checker, fail, require

__all__ = ["check_postcode_redactor", "check_attack_epsilon"]

# UK postcodes to mask (outward code, space optional, inward code) and text that must stay as it is.
POSTCODES = ("SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A1BB", "W1A 0AX")
NOT_POSTCODES = (
    "the WF-1000XM5 earbuds",
    "order A12 3456 arrived",
    "size M1 is too small",
    "USB C3 cable, 2 m",
    "flight BA117 to Sydney",  # an outward code's shape, no inward code
    "order BA1 1A",  # an inward code one letter short
)


@checker
def check_postcode_redactor(answer: Any) -> bool:
    """``answer(text)`` replaces every UK postcode with ``[POSTCODE]`` and leaves other text alone."""
    if not callable(answer):
        fail(f"expected a function, got {type(answer).__name__}", "def mask_postcodes(text): return ...")
    redactor: Callable[[str], str] = answer
    for code in POSTCODES:
        text = f"Please ship to {code}, thanks"
        got = call_learner(redactor, text, hint="it should take one string and return a string")
        require(
            got == "Please ship to [POSTCODE], thanks",
            f"{text!r} became {got!r}",
            "outward code: 1-2 letters, a digit, then a letter or digit (optional); a space (optional); "
            "inward code: a digit and two letters; mask the whole code and nothing around it",
        )
    for text in NOT_POSTCODES:
        got = call_learner(redactor, text)
        require(
            got == text,
            f"{text!r} is not a postcode but became {got!r}",
            "anchor the pattern on word boundaries and require the whole inward code "
            "(a digit and two letters)",
        )
    return True


def smallest_epsilon(true_positive_rate: float, false_positive_rate: float, delta: float) -> float:
    """The smallest epsilon at which an (epsilon, ``delta``)-DP model allows an attack with these rates.

    DP bounds the attacker's answers both ways, with a member's data and without it (Kairouz et al.,
    2015): ``TPR <= e^eps FPR + delta``, ``1 - FPR <= e^eps (1 - TPR) + delta``, and the same two with
    the rates swapped (an attack that is right less often than chance is as informative, flipped).
    Each gives a lower bound on ``e^eps``, and epsilon >= 0.
    """
    if not (0 < false_positive_rate < 1 and 0 <= true_positive_rate <= 1 and 0 <= delta < 1):
        raise ValueError("need 0 < false_positive_rate < 1, 0 <= true_positive_rate <= 1, 0 <= delta < 1")
    tpr, fpr = true_positive_rate, false_positive_rate
    bounds = [(tpr - delta, fpr), (1 - fpr - delta, 1 - tpr), (fpr - delta, tpr), (1 - tpr - delta, 1 - fpr)]
    needed = [1.0]  # e^eps, at least 1
    for excess, base in bounds:
        if excess > 0:
            if base == 0:
                return math.inf
            needed.append(excess / base)
    return math.log(max(needed))


@checker
def check_attack_epsilon(
    answer: Any, true_positive_rate: float, false_positive_rate: float, delta: float
) -> bool:
    """``answer`` is the smallest epsilon at which an (epsilon, ``delta``)-DP model allows a membership attack
    with this true-positive rate at this false-positive rate."""
    value = as_number(answer, "epsilon")
    expected = smallest_epsilon(true_positive_rate, false_positive_rate, delta)
    if math.isclose(value, expected, rel_tol=1e-6, abs_tol=1e-9):
        return True
    tpr, fpr = true_positive_rate, false_positive_rate
    require(
        value >= 0, f"epsilon is never negative, got {value:g}", "a guarantee with e^eps < 1 is impossible"
    )
    if expected < math.inf and math.isclose(value, math.exp(expected), rel_tol=1e-6):
        fail("that is e^epsilon", "take the natural logarithm")
    if tpr > delta and math.isclose(value, math.log((tpr - delta) / fpr), rel_tol=1e-6):
        fail(
            "that epsilon allows this true-positive rate, but not this false-positive rate",
            "DP also bounds the attacker's 'non-member' answers: 1 - FPR <= e^eps (1 - TPR) + delta",
        )
    if tpr < 1 and math.isclose(value, math.log((1 - fpr - delta) / (1 - tpr)), rel_tol=1e-6):
        fail(
            "that epsilon fits the attacker's 'non-member' answers, but not its 'member' answers",
            "DP also bounds TPR <= e^eps FPR + delta",
        )
    if math.isclose(value, smallest_epsilon(tpr, fpr, 0.0), rel_tol=1e-6):
        fail(f"that is the answer for delta = 0, not {delta:g}", "keep delta in both inequalities")
    fail(
        f"{value:.4f} is not the smallest epsilon that allows this attack",
        "write both DP inequalities for the two rates, solve each for e^eps, and keep the larger",
    )
