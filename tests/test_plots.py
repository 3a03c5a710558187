"""The shared figures: attention maps and training curves have their panels, titles, labels and lines."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch

from helpers.plots import attention_heatmap, training_curves

matplotlib.use("Agg")  # no display: draw into memory


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def tick_labels(axis) -> list[str]:
    return [label.get_text() for label in axis.get_ticklabels()]


def history(epochs: int = 2, steps_per_epoch: int = 5) -> pd.DataFrame:
    """Rows like ``TrainResult.frame()``: a train row per step, an eval row per epoch."""
    rows = []
    for epoch in range(epochs):
        for step in range(epoch * steps_per_epoch + 1, (epoch + 1) * steps_per_epoch + 1):
            rows.append(
                {
                    "kind": "train",
                    "epoch": epoch,
                    "step": step,
                    "loss": 1 / step,
                    "lr": 1e-4 * (1 - step / 20),
                    "samples_per_s": 100.0 + step,
                    "padding_fraction": 0.02,
                    "grad_norm": 1.0,
                    "real_tokens_per_s": 5e3,
                }
            )
        rows.append(
            {"kind": "eval", "epoch": epoch, "step": rows[-1]["step"], "loss": 0.5, "auc": 0.7 + epoch / 20}
        )
    return pd.DataFrame(rows)


# --- attention_heatmap ------------------------------------------------------------------------------------


def test_heatmap_labels_queries_and_keys_with_tokens():
    tokens = ["[CLS]", "buy", "a", "phone", "[SEP]"]
    weights = torch.softmax(torch.randn(5, 5), dim=-1)
    ax = attention_heatmap(weights, tokens, title="layer 0")
    assert tick_labels(ax.xaxis) == tokens and tick_labels(ax.yaxis) == tokens
    assert ax.get_title() == "layer 0"
    assert "key" in ax.get_xlabel() and "query" in ax.get_ylabel()
    assert ax.images[0].get_clim() == (0, 1)
    np.testing.assert_allclose(ax.images[0].get_array(), weights.numpy(), rtol=1e-6)
    colorbars = [other for other in ax.figure.axes if other is not ax]
    assert len(colorbars) == 1 and colorbars[0].get_ylabel() == "attention weight"


def test_heatmap_with_other_queries_a_cap_and_no_colour_bar():
    fig, axes = plt.subplots(1, 2)
    ax = attention_heatmap(
        np.full((2, 3), 0.3), ["a", "b", "c"], ax=axes[1], query_tokens=["x", "y"], vmax=0.5, colorbar=False
    )
    assert ax is axes[1]
    assert tick_labels(ax.xaxis) == ["a", "b", "c"] and tick_labels(ax.yaxis) == ["x", "y"]
    assert ax.images[0].get_clim() == (0, 0.5)
    assert len(fig.axes) == 2  # no colour bar added
    capped = attention_heatmap(np.eye(3) / 2, ["a", "b", "c"], vmax=0.5)
    assert "capped at 0.5" in capped.figure.axes[-1].get_ylabel()


def test_heatmap_rejects_weights_that_do_not_match_the_tokens():
    with pytest.raises(ValueError, match="3 query and 3 key"):
        attention_heatmap(np.ones((3, 4)), ["a", "b", "c"])
    with pytest.raises(ValueError, match="matrix"):
        attention_heatmap(np.ones((1, 3, 3)), ["a", "b", "c"])


# --- training_curves --------------------------------------------------------------------------------------


def test_training_curves_draws_loss_and_metric_with_the_reference():
    fig = training_curves(history(), metric="auc", reference=0.8, title_prefix="Pooler: ")
    loss_ax, metric_ax = fig.axes
    assert loss_ax.get_title() == "Pooler: Training loss"
    assert loss_ax.get_xlabel() == "optimizer step" and "loss" in loss_ax.get_ylabel()
    np.testing.assert_array_equal(loss_ax.lines[0].get_xdata(), np.arange(1, 11))
    assert metric_ax.get_title() == "Pooler: ROC-AUC during training"
    assert metric_ax.get_xlabel() == "optimizer step" and "ROC-AUC" in metric_ax.get_ylabel()
    model, oracle = metric_ax.lines
    np.testing.assert_array_equal(model.get_xdata(), [5, 10])  # the step of each evaluation
    assert model.get_marker() == "o"
    assert oracle.get_linestyle() == "--" and list(oracle.get_ydata()) == [0.8, 0.8]
    assert [text.get_text() for text in metric_ax.get_legend().get_texts()] == ["model", "oracle (0.800)"]
    assert metric_ax.get_xlim() == pytest.approx((0, 10.5))  # the steps of the loss panel


def test_training_curves_adds_one_readable_panel_per_extra_column():
    extra = ("lr", "samples_per_s", "grad_norm", "padding_fraction", "real_tokens_per_s")
    fig = training_curves(history(), extra=extra, reference_label="best possible")
    assert len(fig.axes) == 2 + len(extra)
    titles = [ax.get_title() for ax in fig.axes[2:]]
    assert titles[:2] == ["Learning rate", "Throughput (samples/s)"]
    assert all(title not in extra for title in titles), titles  # a readable name, not the column
    for ax, column in zip(fig.axes[2:], extra, strict=True):
        assert ax.get_xlabel() == "optimizer step" and ax.get_ylabel()
        np.testing.assert_allclose(ax.lines[0].get_ydata(), history().query("kind == 'train'")[column])
    assert len(fig.axes[1].lines) == 1  # no reference given, no line


def test_training_curves_without_eval_rows_leaves_out_the_metric_panel():
    train_only = history().query("kind == 'train'")
    fig = training_curves(train_only, extra=["lr"])
    assert [ax.get_title() for ax in fig.axes] == ["Training loss", "Learning rate"]
    with pytest.raises(ValueError, match="no 'macro_f1'"):
        training_curves(history(), metric="macro_f1")
    with pytest.raises(ValueError, match="missing_column"):
        training_curves(history(), extra=["missing_column"])


def test_measure_bars_draws_one_panel_per_measure_and_highlights_a_row():
    from helpers.plots import measure_bars

    table = pd.DataFrame(
        {"a": [0.1, 0.5], "b": [3.0, 1.0]}, index=pd.Index(["greedy", "top-p"], name="strategy")
    )
    fig = measure_bars(
        table, {"a": "share failing (0-1)", "b": "words per copy"}, "Strategies", highlight="top-p"
    )
    assert [ax.get_xlabel() for ax in fig.axes] == ["share failing (0-1)", "words per copy"]
    assert fig.axes[0].get_ylabel() == "strategy" and fig._suptitle.get_text() == "Strategies"
    colours = [bar.get_facecolor() for bar in fig.axes[0].patches]
    assert colours[0] != colours[1]
    with pytest.raises(ValueError, match="no column"):
        measure_bars(table, {"c": "x"})
    plt.close("all")


def test_confusion_matrices_one_panel_per_method_rows_normalised():
    from helpers.evaluation_plots import confusion_matrices

    labels = np.array([0, 0, 1, 1, 1])
    fig = confusion_matrices(labels, {"a": np.array([0, 1, 1, 1, 0]), "b": labels}, ["neg", "pos"])
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    assert fig.axes[0].get_xlabel() == "predicted class" and fig.axes[0].get_ylabel() == "true class"
    # a: true neg -> predicted neg, pos (1 each of 2); true pos -> predicted neg once, pos twice (of 3)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["1\n50%", "1\n50%", "1\n33%", "2\n67%"]
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert texts == ["2\n100%", "0\n0%", "0\n0%", "3\n100%"]
    plt.close("all")


def test_interval_chart_of_differences_has_its_zero_line_and_label() -> None:
    from helpers.evaluation_plots import interval_chart

    table = pd.DataFrame(
        {
            "data": ["test", "test"],
            "model": ["A − B", "C − B"],
            "auc_difference": [0.02, -0.01],
            "auc_difference_low": [-0.01, -0.03],
            "auc_difference_high": [0.05, 0.01],
        }
    )
    fig = interval_chart(table, "auc_difference", xlabel="ROC-AUC difference", reference=0.0, width=7.0)
    (ax,) = fig.axes
    assert fig.get_size_inches()[0] == pytest.approx(7.0)
    assert ax.get_xlabel() == "ROC-AUC difference with 95 % bootstrap interval"
    assert tick_labels(ax.yaxis) == ["C − B", "A − B"]  # first row on top
    assert any(list(line.get_xdata()) == [0.0, 0.0] for line in ax.get_lines())


def test_gains_and_profit_charts_name_the_unit_contacted() -> None:
    from helpers.evaluation_plots import gains_and_lift, profit_chart

    labels, scores = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 0]), {"model": np.linspace(1, 0, 10)}
    gain_ax, lift_ax = gains_and_lift(labels, scores, title="Test: ").axes
    assert gain_ax.get_xlabel() == "share of sessions contacted (best scores first)"
    assert gain_ax.get_title() == "Test: Cumulative gains" and lift_ax.get_title() == "Test: Lift per decile"
    assert lift_ax.get_xlabel() and lift_ax.get_ylabel()
    customers = gains_and_lift(labels, scores, n_groups=5, unit="customers").axes
    assert customers[0].get_xlabel() == "share of customers contacted (best scores first)"
    assert customers[1].get_title() == "Lift per group"
    (profit_ax,) = profit_chart(labels, scores, 1.0, 4.0).axes
    assert profit_ax.get_xlabel() == "share of sessions contacted (best scores first)"
    assert profit_ax.get_ylabel() == "profit (currency units)"
    (profit_ax,) = profit_chart(labels, scores, 1.0, 4.0, unit="customers").axes
    assert profit_ax.get_xlabel() == "share of customers contacted (best scores first)"
