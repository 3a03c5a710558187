"""Checkers for notebook 09 (the marketing report): the margin at which the budget's last contact pays."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from helpers.exercises.base import as_number, checker, fail

__all__ = ["check_budget_margin"]


@checker
def check_budget_margin(answer: Any, probabilities: Any, contact_cost: float, budget: float) -> bool:
    """``answer`` is the margin per purchase at which the last customer the budget pays for (the
    ``budget // contact_cost``-th by probability, or the last customer when the budget covers all)
    is expected to earn exactly their contact cost."""
    value = as_number(answer, "the margin")
    ranked = np.sort(np.asarray(probabilities, dtype=float))[::-1]
    affordable = min(len(ranked), int(budget // contact_cost))
    if affordable == 0:
        raise ValueError("the budget pays for no contact: nothing to break even")

    def margin_for(p: float) -> float:
        return contact_cost / p if p > 0 else math.inf

    if math.isclose(value, margin_for(ranked[affordable - 1]), rel_tol=1e-6):
        return True
    if math.isclose(value, ranked[affordable - 1] / contact_cost, rel_tol=1e-6):
        fail("that is upside down", "the contact breaks even when margin × p equals the contact cost")
    neighbours = [ranked[i] for i in (affordable - 2, affordable) if 0 <= i < len(ranked)]
    if any(math.isclose(value, margin_for(p), rel_tol=1e-6) for p in neighbours):
        fail(
            "that is the margin for the customer next to the last one the budget pays for",
            "the k-th customer by probability sits at position k - 1 when counting from 0",
        )
    if math.isclose(value, margin_for(ranked[::-1][affordable - 1]), rel_tol=1e-6):
        fail("that customer is counted from the lowest probability", "sort from the highest probability down")
    fail(
        f"{value:.4f} is not the break-even margin of the last contact the budget pays for",
        "sort the customers' probabilities from the highest, take the one at the budget's number of "
        "contacts, and solve margin × p = contact cost for the margin",
    )
