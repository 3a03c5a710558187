"""Figures of notebook 08: what differential privacy costs and buys, suppressed cells, highlighted text."""

from __future__ import annotations

import html
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from helpers.dp import max_attack_auc


def epsilon_tradeoff(table: pd.DataFrame, delta: float, reference_auc: float | None = None) -> Figure:
    """Test AUC (left) and membership-attack AUC (right) against epsilon, with the attack bound DP allows.

    ``table`` has a column ``target`` (the epsilon asked for; ``inf`` for no privacy, drawn at the right
    end) and ``test_auc`` and ``attack_auc`` (NaN where not measured) per model family in column ``model``.
    """
    finite = sorted(e for e in table["target"].unique() if np.isfinite(e))
    position = {e: i for i, e in enumerate([*finite, np.inf])}
    labels = [f"{e:g}" for e in finite] + ["∞ (no DP)"]
    fig, (cost, gain) = plt.subplots(1, 2, figsize=(11, 4))
    for model, rows in table.groupby("model", sort=False):
        rows = rows.assign(x=rows["target"].map(position)).sort_values("x")
        x = rows["x"]
        if rows["test_auc"].notna().any():
            cost.plot(x, rows["test_auc"], "o-", label=model)
        if rows["attack_auc"].notna().any():
            gain.plot(x, rows["attack_auc"], "o-", label=model)
    if reference_auc is not None:
        cost.axhline(reference_auc, color="grey", ls=":", label="non-private logistic regression")
    bound = [max_attack_auc(e, delta) for e in finite]
    gain.plot(range(len(finite)), bound, "k--", label="highest AUC DP allows")
    gain.axhline(0.5, color="grey", ls=":", label="guessing")
    for ax, name in ((cost, "Test ROC-AUC (purchase)"), (gain, "Membership-attack ROC-AUC")):
        ax.set_xticks(range(len(labels)), labels)
        ax.set(xlabel=f"privacy budget epsilon (delta = {delta:g}; smaller is more private)", ylabel=name)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    cost.set_title("What privacy costs: accuracy")
    gain.set_title("What privacy buys: an attacker learns less")
    fig.tight_layout()
    return fig


def suppressed_heatmap(counts: pd.DataFrame, k: int, title: str) -> Figure:
    """Users per cell; cells suppressed for k-anonymity (NaN) are hatched and labelled."""
    fig, ax = plt.subplots(figsize=(1.1 * counts.shape[1] + 2.5, 0.5 * counts.shape[0] + 1.8))
    ax.set_facecolor("#eeeeee")
    ax.patch.set_hatch("//")
    sns.heatmap(counts, annot=True, fmt=".0f", cmap="Blues", cbar_kws={"label": "distinct users"}, ax=ax)
    ax.set(
        title=f"{title}\n(hatched: fewer than k = {k} users, suppressed)",
        xlabel=counts.columns.name,
        ylabel=counts.index.name,
    )
    fig.tight_layout()
    return fig


def highlighted_events(
    text: str, spans: Sequence[tuple[int, int]], scores: Sequence[float], drivers: Sequence[bool]
) -> str:
    """HTML of a session with each event's clause coloured by its score (green raises the purchase
    logit, red lowers it) and the true drivers underlined."""
    scale = max(float(np.max(np.abs(scores))), 1e-9)
    parts, last = [], 0
    for (start, end), score, driver in zip(spans, scores, drivers, strict=True):
        parts.append(html.escape(text[last:start]))
        alpha = min(abs(score) / scale, 1.0) * 0.6
        colour = f"rgba(0,150,0,{alpha:.2f})" if score > 0 else f"rgba(210,0,0,{alpha:.2f})"
        style = f"background:{colour};" + ("text-decoration:underline;font-weight:bold;" if driver else "")
        parts.append(f'<span style="{style}" title="{score:+.3f}">{html.escape(text[start:end])}</span>')
        last = end
    parts.append(html.escape(text[last:]))
    return '<div style="line-height:1.7;font-family:sans-serif">' + "".join(parts) + "</div>"
