"""Checkers for notebook 09 (the marketing report): the break-even probability of a contact."""

from __future__ import annotations

import math
from typing import Any

from helpers.exercises.base import as_number, checker, fail, require

__all__ = ["check_break_even"]


@checker
def check_break_even(answer: Any, contact_cost: float, margin: float) -> bool:
    """``answer`` is the purchase probability above which contacting a customer is expected to pay."""
    value = as_number(answer, "the probability")
    expected = contact_cost / margin
    if math.isclose(value, margin / contact_cost, rel_tol=1e-6):
        fail("that is upside down", "a contact pays when margin × p exceeds the contact cost: solve for p")
    if math.isclose(value, 0.5):
        fail("0.5 is the default threshold, not the break-even one", "it depends on the cost and the margin")
    require(
        math.isclose(value, expected, rel_tol=1e-6),
        f"{value:.4f} is not the break-even probability",
        "expected profit of one contact: margin * p - contact_cost; it is zero at the break-even p",
    )
    return True
