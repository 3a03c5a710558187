"""Evaluating a purchase predictor as a marketer would: metrics, business value, calibration, uncertainty.

Every function takes the true labels (0/1) and the predicted probabilities (or any score, for the
ranking metrics) of one test set, and returns numbers or a small table. scikit-learn computes the
metrics it has; what is written here is what it lacks (profit curves, gains tables, expected
calibration error, temperature scaling, bootstrap intervals).

>>> threshold_metrics([0, 1, 1, 0], [0.2, 0.9, 0.4, 0.6])  # doctest: +ELLIPSIS
{'accuracy': 0.5, 'precision': 0.5, 'recall': 0.5, 'f1': 0.5, 'tp': 1, 'fp': 1, 'fn': 1, 'tn': 1, ...}
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.stats import rankdata
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    confusion_matrix,
    log_loss,
    precision_recall_fscore_support,
)

from helpers.errors import DataError

Scorer = Callable[[np.ndarray, np.ndarray], float]


def _check(labels, scores, n_classes: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Labels as ints (0/1, or 0 … ``n_classes`` − 1) and scores as floats, finite and of one length."""
    y = np.asarray(labels).astype(int).ravel()
    s = np.asarray(scores, dtype=float).ravel()
    if len(y) != len(s) or len(y) == 0:
        raise DataError(f"labels ({len(y)}) and scores ({len(s)}) must be non-empty and of one length")
    if not np.isin(y, np.arange(n_classes)).all():
        raise DataError(
            "labels must be 0/1 (or False/True)" if n_classes == 2 else f"labels must be 0 … {n_classes - 1}"
        )
    if not np.isfinite(s).all():
        raise DataError("scores must be finite numbers (no NaN or inf)")
    return y, s


def roc_auc(labels, scores) -> float:
    """ROC-AUC as the Mann-Whitney statistic: the chance a random buyer outscores a random non-buyer.

    The same number as :func:`sklearn.metrics.roc_auc_score` (ties count one half), computed from
    ranks in one pass: fast enough to bootstrap a thousand times.
    """
    y, s = np.asarray(labels).astype(bool), np.asarray(scores, dtype=float)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        raise DataError("ROC-AUC needs both buyers and non-buyers")
    return float((rankdata(s)[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


@dataclass(frozen=True)
class HoldoutSplit:
    """Row positions of a train and a test side, disjoint."""

    train: np.ndarray
    test: np.ndarray


def holdout_split(n_rows: int, train_size: int, test_size: int, seed: int = 0) -> HoldoutSplit:
    """A random train/test split of ``n_rows`` rows (one row per customer: a customer-level split).

    When the data hold fewer than ``train_size + test_size`` rows, both sides shrink in proportion.
    """
    if n_rows < 2 or train_size < 1 or test_size < 1:
        raise DataError(f"need 2 rows or more and sizes >= 1: {n_rows} rows, sizes {train_size}, {test_size}")
    scale = min(1.0, n_rows / (train_size + test_size))
    n_train, n_test = max(1, int(train_size * scale)), max(1, int(test_size * scale))
    order = np.random.default_rng(seed).permutation(n_rows)
    return HoldoutSplit(train=np.sort(order[:n_train]), test=np.sort(order[n_train : n_train + n_test]))


def threshold_metrics(labels, probabilities, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy, precision, recall, F1 and the confusion-matrix counts when we target ``p >= threshold``."""
    y, p = _check(labels, probabilities)
    predicted = (p >= threshold).astype(int)
    precision, recall, f1, _ = precision_recall_fscore_support(
        y, predicted, average="binary", zero_division=0
    )
    tn, fp, fn, tp = confusion_matrix(y, predicted, labels=[0, 1]).ravel()
    return {
        "accuracy": float((predicted == y).mean()),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "tp": int(tp),
        "fp": int(fp),
        "fn": int(fn),
        "tn": int(tn),
        "threshold": float(threshold),
    }


def probability_metrics(labels, probabilities) -> dict[str, float]:
    """ROC-AUC and PR-AUC (the ranking) and log loss and Brier score (the probabilities themselves)."""
    y, p = _check(labels, probabilities)
    clipped = np.clip(p, 1e-7, 1 - 1e-7)
    return {
        "roc_auc": roc_auc(y, p),
        "pr_auc": float(average_precision_score(y, p)),
        "log_loss": float(log_loss(y, clipped, labels=[0, 1])),
        "brier": float(brier_score_loss(y, clipped)),
        "base_rate": float(y.mean()),
    }


def profit_curve(labels, probabilities, contact_cost: float, margin: float) -> pd.DataFrame:
    """Profit of contacting the ``k`` highest-scored customers, for every ``k`` a threshold can reach.

    Each contact costs ``contact_cost``; each contacted buyer brings ``margin``. (A simplification a
    marketer should question: it credits the campaign with every purchase, as if none would have
    happened without it. Uplift modelling removes that assumption.) Customers with the same score are
    contacted together or not at all, since no threshold separates them: ``k`` runs over 0 and the
    ends of the groups of equal scores (a constant score gives two rows, nobody and everybody).
    Columns: ``contacted``, ``share_contacted``, ``threshold`` (the lowest probability contacted),
    ``buyers_reached``, ``profit``.
    """
    y, p = _check(labels, probabilities)
    order = np.argsort(-p, kind="stable")
    ranked = p[order]
    buyers = np.r_[0, np.cumsum(y[order])]
    contacted = np.arange(len(y) + 1)
    reachable = np.r_[True, ranked[1:] != ranked[:-1], True]  # k = 0, or the k-th score ends a tie group
    curve = pd.DataFrame(
        {
            "contacted": contacted,
            "share_contacted": contacted / len(y),
            "threshold": np.r_[1.0, ranked],
            "buyers_reached": buyers,
            "profit": buyers * margin - contacted * contact_cost,
        }
    )
    return curve[reachable].reset_index(drop=True)


def profit_at_threshold(
    labels, probabilities, threshold: float, contact_cost: float, margin: float
) -> dict[str, float]:
    """The campaign that contacts every row with ``probability >= threshold``, scored on the labels.

    ``profit`` is ``margin × buyers reached − contact_cost × contacted``, as in :func:`profit_curve`.
    Returns ``contacted``, ``share_contacted``, ``buyers_reached`` and ``profit``.
    """
    y, p = _check(labels, probabilities)
    contacted = p >= threshold
    buyers = int(y[contacted].sum())
    return {
        "contacted": int(contacted.sum()),
        "share_contacted": float(contacted.mean()),
        "buyers_reached": buyers,
        "profit": float(margin * buyers - contact_cost * contacted.sum()),
    }


def reliability_table(labels, probabilities, n_bins: int = 10) -> pd.DataFrame:
    """Predictions in ``n_bins`` equal-width probability bins: mean predicted vs observed purchase rate."""
    y, p = _check(labels, probabilities)
    bins = np.minimum((p * n_bins).astype(int), n_bins - 1)
    table = (
        pd.DataFrame({"bin": bins, "predicted": p, "observed": y})
        .groupby("bin")
        .agg(predicted=("predicted", "mean"), observed=("observed", "mean"), count=("observed", "size"))
    )
    return table.reset_index()


def expected_calibration_error(labels, probabilities, n_bins: int = 10) -> float:
    """ECE: the count-weighted mean of |mean predicted − observed rate| over equal-width bins."""
    table = reliability_table(labels, probabilities, n_bins)
    weights = table["count"] / table["count"].sum()
    return float((weights * (table["predicted"] - table["observed"]).abs()).sum())


@dataclass(frozen=True)
class TemperatureScaling:
    """``sigmoid((logit − shift) / temperature)``: a temperature, plus the shift a class weight adds.

    With ``fit_shift=False`` it is temperature scaling as in Guo et al. (2017), which keeps the
    decision at logit 0; with the shift it is Platt scaling, which can also take out the
    ``log(pos_weight)`` that a weighted loss adds to every logit.
    """

    temperature: float
    shift: float = 0.0

    def __call__(self, logits) -> np.ndarray:
        """Calibrated probabilities of ``logits``."""
        return 1.0 / (1.0 + np.exp(-(np.asarray(logits, dtype=float) - self.shift) / self.temperature))


def fit_temperature(logits, labels, fit_shift: bool = True) -> TemperatureScaling:
    """The temperature (and shift) that minimise the log loss on a validation split."""
    y, z = _check(labels, logits)

    def loss(params: np.ndarray) -> float:
        scaled = (z - (params[1] if fit_shift else 0.0)) * np.exp(-params[0])
        return float(np.mean(np.logaddexp(0.0, scaled) - y * scaled))  # BCE on logits, stable

    result = minimize(loss, np.zeros(2), method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-9})
    return TemperatureScaling(float(np.exp(result.x[0])), float(result.x[1]) if fit_shift else 0.0)


def fit_isotonic(probabilities, labels) -> IsotonicRegression:
    """A monotone map from predicted to observed probability, fitted on a validation split."""
    y, p = _check(labels, probabilities)
    return IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(p, y)


def gains_table(labels, scores, n_groups: int = 10) -> pd.DataFrame:
    """Sessions sorted by score into ``n_groups`` equal groups (deciles by default), best first.

    Columns: ``group`` (1 = top), ``sessions``, ``buyers``, ``lowest_score``, ``rate``, ``lift`` (rate /
    overall rate), ``cumulative_share`` (of sessions contacted), ``cumulative_gain`` (share of all
    buyers reached) and ``cumulative_lift``. Ties are broken by position, as a campaign list would be.
    """
    y, s = _check(labels, scores)
    if not 1 <= n_groups <= len(y):
        raise DataError(f"n_groups must be between 1 and the number of sessions ({len(y)}), got {n_groups}")
    order = np.argsort(-s, kind="stable")
    group = np.arange(len(y)) * n_groups // len(y) + 1
    table = (
        pd.DataFrame({"group": group, "buyer": y[order], "score": s[order]})
        .groupby("group")
        .agg(sessions=("buyer", "size"), buyers=("buyer", "sum"), lowest_score=("score", "min"))
    )
    overall = y.mean()
    table["rate"] = table["buyers"] / table["sessions"]
    table["lift"] = table["rate"] / overall if overall > 0 else np.nan
    table["cumulative_share"] = table["sessions"].cumsum() / len(y)
    table["cumulative_gain"] = table["buyers"].cumsum() / max(y.sum(), 1)
    table["cumulative_lift"] = table["cumulative_gain"] / table["cumulative_share"]
    return table.reset_index()


def top_decile_lift(labels, scores) -> float:
    """Purchase rate among the top 10 % by score over the overall rate.

    The top 10 % are the ``ceil(n / 10)`` rows of :func:`gains_table`'s first group. When scores
    tie across the cut, every order of the tied rows is equally right, so they count with their
    average purchase rate: a constant score has a lift of exactly 1. Without such ties this is group
    1 of :func:`gains_table`.
    """
    y, s = _check(labels, scores)
    top, above, tied = _top_decile_cut(s)
    buyers = y[above].sum() + (top - above.sum()) * y[tied].mean()
    return float(buyers / top / y.mean())


def top_decile_lift_range(labels, scores) -> tuple[float, float]:
    """The lowest and highest top-decile lift over the orders of rows whose scores tie at the cut."""
    y, s = _check(labels, scores)
    top, above, tied = _top_decile_cut(s)
    places, tied_buyers = top - above.sum(), y[tied].sum()
    least = y[above].sum() + max(0, places - (tied.sum() - tied_buyers))
    most = y[above].sum() + min(places, tied_buyers)
    return float(least / top / y.mean()), float(most / top / y.mean())


def _top_decile_cut(scores: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """``(top, above, tied)``: the top decile's size ceil(n / 10), and which rows score above the
    score at its last place and which score exactly that."""
    top = -(-len(scores) // 10)
    cut = np.sort(scores)[::-1][top - 1]
    return top, scores > cut, scores == cut


def bootstrap_ci(
    metric: Scorer,
    labels,
    scores,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    groups=None,
    n_classes: int = 2,
) -> tuple[float, float, float]:
    """``(estimate, low, high)``: the metric and its percentile bootstrap interval over resampled rows.

    Resamples that miss a class are drawn again (AUC needs both). When several rows belong to one
    customer (or review one product), pass their ids as ``groups``: whole groups are resampled, so the
    interval is not made too narrow by counting one customer's sessions as independent evidence.
    ``n_classes`` > 2 takes labels 0 … K−1 (and predicted classes as scores) for classification metrics.
    """
    y, s = _check(labels, scores, n_classes)
    draws = _resample_indices(y, n_resamples, seed, groups)
    values = np.array([metric(y[idx], s[idx]) for idx in draws])
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(metric(y, s)), float(low), float(high)


def mean_ci(
    values, n_resamples: int = 1000, level: float = 0.95, seed: int = 0
) -> tuple[float, float, float]:
    """``(mean, low, high)``: a mean over units (sessions, customers) and its bootstrap interval."""
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or len(x) == 0:
        raise DataError("mean_ci needs a non-empty 1-D array of values")
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), (n_resamples, len(x)))].mean(axis=1)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(x.mean()), float(low), float(high)


def paired_bootstrap(
    metric: Scorer,
    labels,
    scores_a,
    scores_b,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    groups=None,
    n_classes: int = 2,
) -> dict[str, float]:
    """Does model A beat model B on the same test set? The difference ``metric(A) − metric(B)``.

    Both models are scored on the same resampled customers each time, so what the customers have in
    common cancels. Returns the observed ``difference``, its interval (``low``, ``high``) and
    ``p_value``: twice the share of resamples on the other side of zero (two-sided, at least
    1 / n_resamples). ``groups`` resamples whole customers or products, and ``n_classes`` takes labels
    0 … K−1, as in :func:`bootstrap_ci`.
    """
    y, a = _check(labels, scores_a, n_classes)
    _, b = _check(labels, scores_b, n_classes)
    if len(a) != len(b):
        raise DataError("both models must score the same customers")
    draws = _resample_indices(y, n_resamples, seed, groups)
    differences = np.array([metric(y[idx], a[idx]) - metric(y[idx], b[idx]) for idx in draws])
    low, high = np.quantile(differences, [(1 - level) / 2, (1 + level) / 2])
    other_side = min((differences <= 0).mean(), (differences >= 0).mean())
    return {
        "difference": float(metric(y, a) - metric(y, b)),
        "low": float(low),
        "high": float(high),
        "p_value": float(min(1.0, max(2 * other_side, 1 / n_resamples))),
    }


def bootstrap_units(groups, n: int) -> np.ndarray:
    """The resampling unit of each of ``n`` rows (0, 1, …): its group, or the row itself without one.

    ``groups`` is None (every row its own unit) or one id per row: a customer, a product. A missing id
    (None, NaN) makes its row a unit of its own.
    """
    if groups is None:
        return np.arange(n)
    if isinstance(groups, str) or len(groups) != n:
        raise DataError(f"groups needs one id per row ({n}), got {groups!r:.60}")
    codes, _ = pd.factorize(np.asarray(groups, dtype=object), use_na_sentinel=True)
    missing = codes < 0
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(missing.sum())
    return codes


def _resample_indices(labels: np.ndarray, n_resamples: int, seed: int, groups=None) -> list[np.ndarray]:
    """Row indices of ``n_resamples`` bootstrap samples that hold every class of ``labels``.

    With ``groups`` (see :func:`bootstrap_units`) whole groups are drawn with replacement and bring all
    their rows (a cluster bootstrap); without, every row is its own unit.
    """
    n_present = len(np.unique(labels))
    if n_present < 2:
        raise DataError("the test set needs both buyers and non-buyers to bootstrap a ranking metric")
    rng = np.random.default_rng(seed)
    members = None  # without groups a unit is a row: the drawn units are the row indices
    if groups is not None:
        units = bootstrap_units(groups, len(labels))
        order = np.argsort(units, kind="stable")
        members = np.split(order, np.flatnonzero(np.diff(units[order])) + 1)
    n_units = len(labels) if members is None else len(members)
    draws = []
    while len(draws) < n_resamples:
        picked = rng.integers(0, n_units, n_units)
        idx = picked if members is None else np.concatenate([members[i] for i in picked])
        if len(np.unique(labels[idx])) == n_present:
            draws.append(idx)
    return draws


def metrics_by_slice(labels, probabilities, slices) -> pd.DataFrame:
    """Sessions, buyers, base rate, mean prediction, ROC-AUC and PR-AUC within each value of ``slices``.

    A slice with only one class gets NaN AUCs: there is nothing to rank. Ordered slices (a categorical
    such as ``pd.cut``'s bands) keep their order; others are sorted.
    """
    y, p = _check(labels, probabilities)
    frame = pd.DataFrame({"y": y, "p": p, "slice": pd.Series(slices).reset_index(drop=True)})
    rows = []
    for name, part in frame.groupby("slice", observed=True):
        both = part["y"].nunique() == 2
        rows.append(
            {
                "slice": name,
                "sessions": len(part),
                "buyers": int(part["y"].sum()),
                "base_rate": part["y"].mean(),
                "mean_predicted": part["p"].mean(),
                "roc_auc": roc_auc(part["y"], part["p"]) if both else np.nan,
                "pr_auc": average_precision_score(part["y"], part["p"]) if both else np.nan,
            }
        )
    return pd.DataFrame(rows).set_index("slice")


def result_row(labels, scores, n_resamples: int = 1000, seed: int = 0, groups=None) -> dict[str, float]:
    """One row of a results table: ROC-AUC and top-decile lift with 95 % bootstrap intervals, PR-AUC.

    ``groups`` (a customer id per row) resamples whole customers, as in :func:`bootstrap_ci`.
    """
    y, s = _check(labels, scores)
    auc, low, high = bootstrap_ci(roc_auc, y, s, n_resamples, seed=seed, groups=groups)
    lift, lift_low, lift_high = bootstrap_ci(top_decile_lift, y, s, n_resamples, seed=seed, groups=groups)
    return {
        "roc_auc": auc,
        "roc_auc_low": low,
        "roc_auc_high": high,
        "pr_auc": float(average_precision_score(y, s)),
        "top_decile_lift": lift,
        "top_decile_lift_low": lift_low,
        "top_decile_lift_high": lift_high,
    }
