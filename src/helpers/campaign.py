"""Campaign planning from purchase probabilities: deciles, and whom to contact under a budget.

These work from predicted probabilities alone, because a report on this week's customers has no
labels yet; :mod:`helpers.evaluation` scores a ranking where labels are known. The probabilities must
be calibrated (notebook 05): an expected profit is only as right as the probabilities it sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.errors import DataError


def _probabilities(probabilities) -> np.ndarray:
    p = np.asarray(probabilities, dtype=float)
    if p.ndim != 1 or len(p) == 0 or not np.all((p >= 0) & (p <= 1)):
        raise DataError("expected a non-empty 1-D array of probabilities in [0, 1]")
    return p


def decile_table(probabilities, labels=None, n_groups: int = 10, unit: str = "customers") -> pd.DataFrame:
    """Rows (customers, or sessions: ``unit`` names the count column) by predicted probability in
    ``n_groups`` equal groups, best first: the count, ``mean_probability``, ``expected_buyers``,
    ``expected_lift`` (group rate over the overall rate) and, with ``labels``, the observed ``buyers``
    and ``observed_lift``."""
    p = _probabilities(probabilities)
    order = np.argsort(-p, kind="stable")
    group = np.arange(len(p)) * n_groups // len(p) + 1
    frame = pd.DataFrame({"decile": group, "p": p[order]})
    if labels is not None:
        frame["buyer"] = np.asarray(labels, dtype=float)[order]
    table = frame.groupby("decile").agg(
        **{unit: ("p", "size")}, mean_probability=("p", "mean"), expected_buyers=("p", "sum")
    )
    table["expected_lift"] = table["mean_probability"] / p.mean()
    if labels is not None:
        observed = frame.groupby("decile")["buyer"].agg(["sum", "mean"])
        table["buyers"] = observed["sum"].astype(int)
        overall = frame["buyer"].mean()
        table["observed_lift"] = observed["mean"] / overall if overall > 0 else np.nan
    return table


@dataclass(frozen=True)
class Audience:
    """The customers to contact (positions in the scored list) and what the campaign is expected to earn."""

    contacts: np.ndarray
    expected_buyers: float
    cost: float
    expected_profit: float
    limited_by_budget: bool


def budget_audience(probabilities, contact_cost: float, margin: float, budget: float) -> Audience:
    """The most profitable top-k of customers by probability with ``k * contact_cost <= budget``.

    Each contact costs ``contact_cost`` and earns ``margin`` times its purchase probability, so the
    expected profit of the top k is ``sum(margin * p) - k * contact_cost``; it rises while ``margin * p``
    exceeds the cost and falls after. ``limited_by_budget`` says whether the budget, not the profit,
    stopped the list.
    """
    p = _probabilities(probabilities)
    if contact_cost <= 0 or margin < 0 or budget < 0:
        raise ValueError("contact_cost must be > 0, margin and budget >= 0")
    order = np.argsort(-p, kind="stable")
    profit = np.concatenate([[0.0], np.cumsum(margin * p[order] - contact_cost)])
    affordable = min(len(p), int(budget // contact_cost))
    best = int(np.argmax(profit[: affordable + 1]))
    unlimited = int(np.argmax(profit))
    return Audience(
        contacts=order[:best],
        expected_buyers=float(p[order[:best]].sum()),
        cost=best * contact_cost,
        expected_profit=float(profit[best]),
        limited_by_budget=unlimited > affordable,
    )
