"""Comparing models on the same test set: a results table, paired bootstrap verdicts, printed lines.

:mod:`helpers.evaluation` computes the numbers (a metric, its bootstrap interval, a paired
bootstrap of two models); this module does the bookkeeping around them that a comparison of
several models on several data sets needs: one row per (data set, model), the verdict a paired
interval gives, the p-value as printed, and a table of one model against each of its baselines in
several metrics at once.

>>> verdict({"low": 0.01, "high": 0.05}), verdict({"low": -0.01, "high": 0.05})
('A wins', 'no clear winner')
>>> p_value_text(0.001, 1000), p_value_text(0.25, 1000)
('p ≤ 0.001', 'p = 0.250')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from helpers.evaluation import Scorer, paired_bootstrap, result_row, roc_auc, top_decile_lift

PAIRED_METRICS: dict[str, Scorer] = {
    "ROC-AUC": roc_auc,
    "PR-AUC": average_precision_score,
    "top-decile lift": top_decile_lift,
}
"""The metrics :func:`paired_verdicts` compares in: the whole ranking, its top, the best-scored 10 %."""


def p_value_text(p_value: float, n_resamples: int) -> str:
    """A paired bootstrap's p-value as printed: ``"p = 0.123"``, or ``"p ≤ floor"`` at its floor.

    The floor is ``1 / n_resamples``, the p-value :func:`helpers.evaluation.paired_bootstrap` gives
    when no resample falls on the rarer side of zero.
    """
    floor = 1 / n_resamples
    return f"p ≤ {floor:.3f}" if p_value <= floor else f"p = {p_value:.3f}"


def verdict(
    outcome: Mapping[str, float],
    better: str = "A wins",
    worse: str = "B wins",
    neither: str = "no clear winner",
) -> str:
    """What the 95 % interval of a paired difference A − B says: ``better`` when it lies above zero,
    ``worse`` when below, ``neither`` when it holds zero. ``outcome`` has ``low`` and ``high``."""
    return better if outcome["low"] > 0 else worse if outcome["high"] < 0 else neither


@dataclass(frozen=True)
class Comparison:
    """Model ``a`` − model ``b`` in ROC-AUC on the same rows (a paired bootstrap); prints as one line."""

    a: str
    b: str
    difference: float
    low: float
    high: float
    p_value: float
    n_resamples: int

    def verdict(self, better: str = "A wins", worse: str = "B wins", neither: str = "no clear winner") -> str:
        """The verdict of the 95 % interval, in the given words (see :func:`verdict`)."""
        return verdict({"low": self.low, "high": self.high}, better, worse, neither)

    def __str__(self) -> str:
        """``"a − b: ΔAUC +0.012 [-0.003, +0.027], p = 0.120 → no clear winner"``."""
        return (
            f"{self.a} − {self.b}: ΔAUC {self.difference:+.3f} [{self.low:+.3f}, {self.high:+.3f}], "
            f"{p_value_text(self.p_value, self.n_resamples)} → {self.verdict()}"
        )


def compare_roc_auc(
    a: str, b: str, labels, scores: Mapping[str, np.ndarray], n_resamples: int, seed: int = 0, groups=None
) -> Comparison:
    """The :class:`Comparison` of ``scores[a]`` with ``scores[b]`` in ROC-AUC (paired bootstrap).

    ``groups`` (a customer id per row) resamples whole customers, as in
    :func:`helpers.evaluation.paired_bootstrap`; ``print`` the result for its line.
    """
    outcome = paired_bootstrap(roc_auc, labels, scores[a], scores[b], n_resamples, seed=seed, groups=groups)
    return Comparison(a, b, n_resamples=n_resamples, **outcome)


@dataclass(frozen=True, eq=False)  # eq would compare DataFrames, which has no single truth value
class PairedVerdicts:
    """Model ``model`` − each of ``baselines`` in several metrics: the table and what to print with it.

    ``table`` has one row per (``against``, ``metric``) with the ``difference``, its 95 % interval
    (``95 % low``, ``95 % high``), the p-value as text (``p``) and the ``verdict``.
    """

    model: str
    baselines: tuple[str, ...]
    table: pd.DataFrame = field(repr=False)

    @property
    def header(self) -> str:
        """The line that says how to read the table."""
        return (
            f"{self.model} − each model below (difference: {self.model} minus it), paired bootstrap; "
            "verdict from the 95 % interval:"
        )

    @property
    def summary(self) -> str:
        """One line per baseline: its verdict in every metric, and whether the metrics disagree."""
        lines = []
        for b in self.baselines:
            says = self.table.loc[b, "verdict"]
            words = "; ".join(f"{metric}: {word}" for metric, word in says.items())
            agree = "" if says.nunique() == 1 else " (not the same verdict in every metric)"
            lines.append(f"{self.model} against {b}: {words}{agree}")
        return "\n".join(lines)


def paired_verdicts(
    model: str,
    baselines: Iterable[str],
    labels,
    scores: Mapping[str, np.ndarray],
    n_resamples: int,
    seed: int = 0,
    groups=None,
    metrics: Mapping[str, Scorer] | None = None,
) -> PairedVerdicts:
    """:class:`PairedVerdicts` of ``scores[model]`` − ``scores[b]`` for each baseline ``b`` and each metric.

    ``metrics`` defaults to :data:`PAIRED_METRICS`; every difference is a paired bootstrap on the same
    resampled rows (``groups``: whole customers), and its verdict is "better", "worse" or "no clear
    difference" from the 95 % interval.
    """
    baselines = tuple(baselines)
    rows = []
    for b in baselines:
        for metric, score in (PAIRED_METRICS if metrics is None else metrics).items():
            outcome = paired_bootstrap(
                score, labels, scores[model], scores[b], n_resamples, seed=seed, groups=groups
            )
            rows.append(
                {
                    "against": b,
                    "metric": metric,
                    "difference": outcome["difference"],
                    "95 % low": outcome["low"],
                    "95 % high": outcome["high"],
                    "p": p_value_text(outcome["p_value"], n_resamples),
                    "verdict": verdict(outcome, "better", "worse", "no clear difference"),
                }
            )
    return PairedVerdicts(model, baselines, pd.DataFrame(rows).set_index(["against", "metric"]))


def observed_vs_predicted(
    labels, probabilities, by, by_name: str = "group", unit: str = "customers"
) -> pd.DataFrame:
    """Per value of ``by`` (sorted): how many rows (column ``unit``), the ``observed`` rate of the
    labels and the mean ``predicted`` probability. The table is indexed by ``by_name``."""
    frame = pd.DataFrame(
        {by_name: np.asarray(by), "labels": np.asarray(labels), "probabilities": np.asarray(probabilities)}
    )
    return frame.groupby(by_name).agg(
        **{unit: ("labels", "size")}, observed=("labels", "mean"), predicted=("probabilities", "mean")
    )


def interval_text(table: pd.DataFrame, metric: str, digits: int) -> pd.Series:
    """``"estimate [low, high]"`` per row, from the columns ``metric``, ``metric_low`` and ``metric_high``."""
    return pd.Series(
        [
            f"{value:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"
            for value, low, high in zip(
                table[metric], table[f"{metric}_low"], table[f"{metric}_high"], strict=True
            )
        ],
        index=table.index,
    )


class ResultsTable:
    """One row per (data set, model): ROC-AUC and top-decile lift with bootstrap intervals, PR-AUC.

    Every row is scored with the same ``n_resamples`` and ``seed`` (see
    :func:`helpers.evaluation.result_row`), so the intervals of all models are comparable.
    """

    def __init__(self, n_resamples: int, seed: int = 0) -> None:
        self.n_resamples, self.seed = n_resamples, seed
        self.rows: list[dict] = []

    def add(self, data: str, model: str, labels, scores, groups=None) -> dict:
        """Score one model on one test set, keep its row and return it (``groups``: customer ids)."""
        row = {
            "data": data,
            "model": model,
            **result_row(labels, scores, self.n_resamples, self.seed, groups=groups),
        }
        self.rows.append(row)
        return row

    def add_all(self, data: str, labels, scores: Mapping[str, np.ndarray], groups=None) -> pd.DataFrame:
        """:meth:`add` every model of ``scores`` (name → scores) on one test set; returns :meth:`table`."""
        for model, model_scores in scores.items():
            self.add(data, model, labels, model_scores, groups=groups)
        return self.table(data)

    def table(self, data: str) -> pd.DataFrame:
        """The rows of one data set so far, indexed by model (without the ``data`` column)."""
        rows = [row for row in self.rows if row["data"] == data]
        return pd.DataFrame(rows).set_index("model").drop(columns="data")

    def frame(self) -> pd.DataFrame:
        """Every row so far, in the order added, with ``data`` and ``model`` columns."""
        return pd.DataFrame(self.rows)
