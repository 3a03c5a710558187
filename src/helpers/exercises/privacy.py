"""Checkers for notebook 08 (privacy, explanations): a postcode redactor, the limit DP puts on attacks."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from helpers.exercises.base import as_number, call_learner, checker, fail, require

__all__ = ["check_postcode_redactor", "check_attack_bound"]

# UK postcodes to mask (outward code, space optional, inward code) and text that must stay as it is.
POSTCODES = ("SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A1BB", "W1A 0AX")
NOT_POSTCODES = (
    "the WF-1000XM5 earbuds",
    "order A12 3456 arrived",
    "size M1 is too small",
    "USB C3 cable, 2 m",
    "flight BA1 1AA",
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
            "anchor the pattern on word boundaries and require the inward code (digit + two letters), "
            "and look at the word before it as the library's phone detector does",
        )
    return True


@checker
def check_attack_bound(answer: Any, epsilon: float, false_positive_rate: float) -> bool:
    """``answer`` is the highest true-positive rate any membership attack can reach at this false-positive
    rate against an ``epsilon``-DP model (``delta`` = 0)."""
    value = as_number(answer, "the true-positive rate")
    expected = min(
        math.exp(epsilon) * false_positive_rate, 1 - math.exp(-epsilon) * (1 - false_positive_rate)
    )
    if math.isclose(value, math.exp(epsilon) * false_positive_rate, rel_tol=1e-6) and not math.isclose(
        value, expected, rel_tol=1e-6
    ):
        fail(
            "that bound holds, but a tighter one applies here",
            "apply DP to the attacker's 'no' answers as well",
        )
    if math.isclose(value, epsilon * false_positive_rate, rel_tol=1e-6):
        fail("epsilon multiplies in the exponent", "the bound is e^epsilon times the false-positive rate")
    require(
        math.isclose(value, expected, rel_tol=1e-6),
        f"{value:.4f} is not the largest true-positive rate",
        "DP bounds P[guess member | member] <= e^eps P[guess member | non-member], and the same for "
        "the guess 'non-member': TPR <= e^eps FPR and 1 - FPR <= e^eps (1 - TPR); take the smaller",
    )
    return True
