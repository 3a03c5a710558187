"""Figures the notebooks share: attention maps (notebook 01), training curves (notebooks 03 and 04) and
several measures of several methods side by side (notebook 06's decoding strategies).

Every figure has titles, axis labels and units. The functions draw and return the axes or the figure;
the notebook calls ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

# History column -> (panel title, y-axis label) for the ``extra`` panels of :func:`training_curves`.
_HISTORY_LABELS = {
    "lr": ("Learning rate", "learning rate (schedule value)"),
    "samples_per_s": ("Throughput (samples/s)", "training samples per second"),
    "real_tokens_per_s": ("Throughput (real tokens/s)", "real (non-pad) tokens per second"),
    "padded_tokens_per_s": ("Throughput (all tokens/s)", "batch tokens per second, [PAD] included"),
    "grad_norm": ("Gradient norm (before clipping)", "global L2 norm of the gradients"),
    "padding_fraction": ("Padding in the batches", "[PAD] share of the batch tokens"),
    "peak_memory_mb": ("Peak memory", "peak memory (MiB)"),
}
_METRIC_LABELS = {"auc": "ROC-AUC", "macro_f1": "macro F1"}
_QUERY_LABEL, _KEY_LABEL = "query (attending token)", "key (attended-to token)"


def attention_heatmap(
    weights: Any,
    tokens: Sequence[str],
    ax: Axes | None = None,
    title: str = "Attention weights",
    query_tokens: Sequence[str] | None = None,
    *,
    vmax: float = 1.0,
    colorbar: bool = True,
) -> Axes:
    """Draw one attention map: row ``i`` is query ``i``, column ``j`` key ``j``, the colour the weight a_ij.

    ``weights`` is a (queries, keys) array or tensor, for example ``attentions[layer][0].mean(0)``
    (one example, averaged over heads). ``tokens`` label the keys (columns) and ``query_tokens`` the
    queries (rows; default ``tokens``, as in self-attention). Colours run from 0 to ``vmax``, so maps
    drawn with the same ``vmax`` share one scale; a smaller ``vmax`` caps the colour to show small
    weights. ``colorbar=False`` leaves the colour bar to the caller, e.g. one for a whole grid:
    ``fig.colorbar(axes.flat[0].images[0], ax=axes)``. Returns the axes drawn on (new ones if ``ax`` is None).
    """
    matrix = _as_matrix(weights)
    keys = [str(token) for token in tokens]
    queries = keys if query_tokens is None else [str(token) for token in query_tokens]
    if matrix.shape != (len(queries), len(keys)):
        shape = matrix.shape
        raise ValueError(f"weights of shape {shape} for {len(queries)} query and {len(keys)} key tokens")
    if ax is None:
        side = min(4 + 0.3 * max(len(keys), len(queries)), 14)
        _, ax = plt.subplots(figsize=(side + 1.5, side), constrained_layout=True)
    image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=vmax)
    fontsize = 7 if max(len(keys), len(queries)) > 20 else 10  # long sessions need small labels
    ax.set_xticks(range(len(keys)), keys, rotation=90, fontsize=fontsize)
    ax.set_yticks(range(len(queries)), queries, fontsize=fontsize)
    ax.set(title=title, xlabel=_KEY_LABEL, ylabel=_QUERY_LABEL)
    if colorbar:
        label = "attention weight" + (f" (colour capped at {vmax:g})" if vmax < 1 else "")
        ax.figure.colorbar(image, ax=ax, label=label, shrink=0.7)
    return ax


def training_curves(
    history: pd.DataFrame,
    metric: str = "auc",
    reference: float | None = None,
    reference_label: str = "oracle",
    extra: Sequence[str] = (),
    title_prefix: str = "",
) -> Figure:
    """Panels of a training run, side by side, from ``TrainResult.frame()``.

    1. the training loss by optimizer step (rows with ``kind == "train"``);
    2. the evaluation ``metric`` at each evaluation (rows with ``kind == "eval"``) by optimizer step, with
       ``reference`` as a dashed horizontal line named ``reference_label``; left out without eval rows;
    3. one panel per column of ``extra`` by optimizer step, e.g. ``"lr"``, ``"samples_per_s"``,
       ``"grad_norm"``, ``"padding_fraction"`` or ``"real_tokens_per_s"``.

    ``title_prefix`` starts every panel title (e.g. ``"Pooler variant: "``). Returns the figure.
    """
    if "kind" not in history:
        raise ValueError("history needs a 'kind' column: pass TrainResult.frame()")
    steps = history[history["kind"] == "train"]
    evals = history[history["kind"] == "eval"]
    missing = [column for column in ("step", "loss", *extra) if column not in steps]
    if missing or steps.empty:
        raise ValueError(f"no training rows with the column(s) {missing or ['step', 'loss']} in history")
    if not evals.empty and metric not in evals:
        raise ValueError(f"the eval rows have no {metric!r}: {sorted(evals.dropna(axis=1, how='all'))}")
    n_panels = 1 + (not evals.empty) + len(extra)
    fig, axes = plt.subplots(1, n_panels, figsize=(4.6 * n_panels, 3.6), squeeze=False)
    panels = iter(axes[0])

    ax = next(panels)
    ax.plot(steps["step"], steps["loss"], marker=".")
    ax.set(
        title=f"{title_prefix}Training loss",
        xlabel="optimizer step",
        ylabel="training loss (nats per example, as weighted)",
    )

    if not evals.empty:
        ax = next(panels)
        name = _METRIC_LABELS.get(metric, metric)
        ax.plot(evals["step"], evals[metric], marker="o", label="model")
        if reference is not None:
            ax.axhline(reference, color="black", ls="--", label=f"{reference_label} ({reference:.3f})")
        ax.set_xlim(0, steps["step"].max() * 1.05)  # the same steps as the loss panel
        ax.set(title=f"{title_prefix}{name} during training", xlabel="optimizer step")
        ax.set_ylabel(f"{name} on validation data")
        ax.legend()

    for column, ax in zip(extra, panels, strict=True):
        title, label = _HISTORY_LABELS.get(column, (column, column))
        ax.plot(steps["step"], steps[column])
        ax.set(title=f"{title_prefix}{title}", xlabel="optimizer step", ylabel=label)
        if column == "padding_fraction":
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    fig.tight_layout()
    return fig


def measure_bars(
    table: pd.DataFrame, measures: dict[str, str], title: str = "", highlight: str | None = None
) -> Figure:
    """One panel of horizontal bars per measure, one bar per row of ``table`` (labelled by its index).

    ``measures`` maps a column to its axis label (with the unit or the range); ``highlight`` names the
    row drawn in a second colour (the chosen method).
    """
    missing = [column for column in measures if column not in table]
    if missing or table.empty:
        raise ValueError(f"table has no column(s) {missing}" if missing else "table is empty")
    fig, axes = plt.subplots(
        1, len(measures), figsize=(3.6 * len(measures), 0.45 * len(table) + 1.4), sharey=True, squeeze=False
    )
    labels = [str(label) for label in table.index]
    colours = ["tab:orange" if label == highlight else "tab:blue" for label in labels]
    for ax, (column, label) in zip(axes[0], measures.items(), strict=True):
        ax.barh(labels, table[column], color=colours)
        ax.set(xlabel=label, title=label.split(" (")[0])
    axes[0][0].invert_yaxis()  # the first row on top (the panels share the y axis)
    axes[0][0].set_ylabel(table.index.name or "")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _as_matrix(weights: Any) -> np.ndarray:
    """A 2-D float array from a NumPy array, a nested list or a torch tensor (any device or dtype)."""
    if hasattr(weights, "detach"):
        weights = weights.detach().float().cpu().numpy()
    matrix = np.asarray(weights, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"expected a (queries, keys) matrix, got shape {matrix.shape}")
    return matrix


def share_heatmap(shares: pd.DataFrame, title: str, label: str, xlabel: str, ylabel: str) -> Figure:
    """A table of shares (0-1) as a red-to-green heat map with percentages; empty cells stay blank."""
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(1.0 * shares.shape[1] + 3.5, 0.45 * shares.shape[0] + 1.8))
    sns.heatmap(
        shares, annot=True, fmt=".0%", cmap="RdYlGn", vmin=0, vmax=1, cbar_kws={"label": label}, ax=ax
    )
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    fig.tight_layout()
    return fig
