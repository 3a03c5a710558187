"""Figures of notebook 05 (and the report of notebook 09): one function per kind of evaluation figure.

Each takes ``{model name: scores}`` (or a result table) for one test set, draws with titles, axis
labels and units, and returns the figure; the notebook calls ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from sklearn.metrics import precision_recall_curve, roc_curve

from helpers.evaluation import gains_table, profit_curve, reliability_table, roc_auc


def roc_pr_curves(labels, scores: Mapping[str, np.ndarray], title: str = "") -> Figure:
    """ROC curve (with AUC) and precision-recall curve of every model, side by side."""
    fig, (roc_ax, pr_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    y = np.asarray(labels).astype(int)
    for name, score in scores.items():
        fpr, tpr, _ = roc_curve(y, score)
        roc_ax.plot(fpr, tpr, label=f"{name} (AUC {roc_auc(y, score):.3f})")
        precision, recall, _ = precision_recall_curve(y, score)
        pr_ax.plot(recall, precision, label=name)
    roc_ax.plot([0, 1], [0, 1], color="grey", ls=":", label="random")
    pr_ax.axhline(y.mean(), color="grey", ls=":", label=f"random (base rate {y.mean():.1%})")
    roc_ax.set(
        title=f"{title}ROC curves",
        xlabel="false positive rate (share of non-buyers targeted)",
        ylabel="true positive rate (recall)",
    )
    pr_ax.set(
        title=f"{title}Precision-recall curves",
        xlabel="recall (share of buyers reached)",
        ylabel="precision (buyers among those targeted)",
        ylim=(0, 1.02),
    )
    roc_ax.legend(fontsize=8, loc="lower right")
    pr_ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def reliability_diagram(
    labels, probabilities: Mapping[str, np.ndarray], n_bins: int = 10, title: str = ""
) -> Figure:
    """Observed purchase rate against mean predicted probability per bin (diagonal: calibrated).

    A marker's area grows with the customers in its bin: a bin of a few customers can sit far from the
    diagonal by chance alone.
    """
    fig, ax = plt.subplots(figsize=(5.2, 5))
    ax.plot([0, 1], [0, 1], color="grey", ls=":", label="perfectly calibrated")
    for name, probability in probabilities.items():
        table = reliability_table(labels, probability, n_bins)
        (line,) = ax.plot(table["predicted"], table["observed"], label=name)
        area = 300 * table["count"] / len(np.asarray(probability))
        ax.scatter(
            table["predicted"], table["observed"], s=np.maximum(area, 6), color=line.get_color(), alpha=0.7
        )
    ax.set(
        title=f"{title}Reliability diagram ({n_bins} bins; marker area ∝ customers)",
        xlabel="mean predicted purchase probability",
        ylabel="observed purchase rate",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def gains_and_lift(
    labels, scores: Mapping[str, np.ndarray], n_groups: int = 10, title: str = "", unit: str = "sessions"
) -> Figure:
    """Cumulative gains (share of buyers reached) and lift per group, contacting best scores first.

    ``unit`` names what a row is (sessions, customers) in the axis label.
    """
    fig, (gain_ax, lift_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    width = 0.8 / max(len(scores), 1)
    for k, (name, score) in enumerate(scores.items()):
        table = gains_table(labels, score, n_groups)
        gain_ax.plot(
            np.r_[0, table["cumulative_share"]], np.r_[0, table["cumulative_gain"]], marker=".", label=name
        )
        lift_ax.bar(
            table["group"] + (k - (len(scores) - 1) / 2) * width, table["lift"], width=width, label=name
        )
    gain_ax.plot([0, 1], [0, 1], color="grey", ls=":", label="random targeting")
    lift_ax.axhline(1.0, color="grey", ls=":", label="random (lift 1)")
    gain_ax.set(
        title=f"{title}Cumulative gains",
        xlabel=f"share of {unit} contacted (best scores first)",
        ylabel="share of all buyers reached",
    )
    gain_ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    gain_ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    lift_ax.set(
        title=f"{title}Lift per {'decile' if n_groups == 10 else 'group'}",
        xlabel=f"group by score (1 = top {100 / n_groups:g} %)",
        ylabel="purchase rate / overall rate (×)",
        xticks=range(1, n_groups + 1),
    )
    gain_ax.legend(fontsize=8, loc="lower right")
    lift_ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def profit_chart(
    labels,
    scores: Mapping[str, np.ndarray],
    contact_cost: float,
    margin: float,
    title: str = "",
    unit: str = "sessions",
) -> Figure:
    """Campaign profit against the share contacted (best scores first), each model's best point marked.

    ``unit`` names what a row is (sessions, customers) in the axis label.
    """
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for name, score in scores.items():
        curve = profit_curve(labels, score, contact_cost, margin)
        (line,) = ax.plot(curve["share_contacted"], curve["profit"], label=name)
        best = curve.loc[curve["profit"].idxmax()]
        ax.plot(best["share_contacted"], best["profit"], marker="o", color=line.get_color())
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(
        title=f"{title}Profit curve (contact costs {contact_cost:g}, a conversion earns {margin:g})",
        xlabel=f"share of {unit} contacted (best scores first)",
        ylabel="profit (currency units)",
    )
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def interval_chart(
    table: pd.DataFrame,
    metric: str = "roc_auc",
    title: str = "",
    xlabel: str = "",
    reference: float | None = None,
    width: float = 4.6,
) -> Figure:
    """Each row's ``metric`` with its 95 % interval (columns ``metric``, ``metric_low``, ``metric_high``),
    one panel of ``width`` inches per data set (column ``data``), models on the vertical axis.

    ``reference`` draws a vertical line, such as 0 for differences between two models.
    """
    datasets = list(dict.fromkeys(table["data"]))
    fig, axes = plt.subplots(
        1,
        len(datasets),
        figsize=(width * len(datasets), 0.45 * table.groupby("data").size().max() + 1.6),
        squeeze=False,
    )
    for ax, name in zip(axes[0], datasets, strict=True):
        part = table[table["data"] == name].iloc[::-1]
        error = [part[metric] - part[f"{metric}_low"], part[f"{metric}_high"] - part[metric]]
        ax.errorbar(part[metric], range(len(part)), xerr=error, fmt="o", capsize=3)
        if reference is not None:
            ax.axvline(reference, color="k", lw=0.8)
        ax.set_yticks(range(len(part)), part["model"])
        label = xlabel or metric.replace("_", "-").upper()
        ax.set(title=name, xlabel=f"{label} with 95 % bootstrap interval")
        ax.grid(axis="x", alpha=0.4)
    fig.suptitle(title or "Test results with 95 % confidence intervals")
    fig.tight_layout()
    return fig


def confusion_matrices(
    labels, predictions: Mapping[str, np.ndarray], classes: Sequence[str], title: str = ""
) -> Figure:
    """One confusion matrix per method, rows normalised (each true class sums to 1), counts annotated."""
    from sklearn.metrics import confusion_matrix

    y = np.asarray(labels)
    fig, axes = plt.subplots(1, len(predictions), figsize=(3.2 * len(predictions), 3.4), squeeze=False)
    for ax, (name, predicted) in zip(axes[0], predictions.items(), strict=True):
        counts = confusion_matrix(y, predicted, labels=range(len(classes)))
        shares = counts / counts.sum(axis=1, keepdims=True).clip(min=1)
        ax.imshow(shares, vmin=0, vmax=1, cmap="Blues")
        for (i, j), count in np.ndenumerate(counts):
            ax.text(
                j,
                i,
                f"{count}\n{shares[i, j]:.0%}",
                ha="center",
                va="center",
                color="white" if shares[i, j] > 0.6 else "black",
                fontsize=8,
            )
        ax.set_xticks(range(len(classes)), classes)
        ax.set_yticks(range(len(classes)), classes)
        ax.set(title=name, xlabel="predicted class", ylabel="true class")
    fig.suptitle(title or "Confusion matrices (share of each true class, with counts)")
    fig.tight_layout()
    return fig
