"""Every metric of helpers.evaluation against a case small enough to compute by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

from helpers import evaluation as ev
from helpers.errors import DataError

LABELS = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 0])
SCORES = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])


def test_threshold_metrics_by_hand() -> None:
    metrics = ev.threshold_metrics(LABELS, SCORES, threshold=0.5)
    # Contacted: the five scores >= 0.5: buyers 0.9, 0.7 (tp 2), non-buyers 0.8, 0.6, 0.5 (fp 3); missed 0.4
    assert (metrics["tp"], metrics["fp"], metrics["fn"], metrics["tn"]) == (2, 3, 1, 4)
    assert metrics["accuracy"] == pytest.approx(6 / 10)
    assert metrics["precision"] == pytest.approx(2 / 5)
    assert metrics["recall"] == pytest.approx(2 / 3)
    assert metrics["f1"] == pytest.approx(2 * (2 / 5) * (2 / 3) / (2 / 5 + 2 / 3))


def test_roc_auc_counts_ordered_pairs_and_half_ties() -> None:
    # Pairs (buyer, non-buyer) with the buyer ahead: 0.9 beats all 7, 0.7 beats 6, 0.4 beats 4: 17 of 21
    assert ev.roc_auc(LABELS, SCORES) == pytest.approx(17 / 21)
    assert ev.roc_auc([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.1]) == pytest.approx((0.5 + 1 + 1 + 1) / 4)
    rng = np.random.default_rng(0)
    y, s = rng.random(500) < 0.3, np.round(rng.random(500), 1)
    assert ev.roc_auc(y, s) == pytest.approx(roc_auc_score(y, s))


def test_probability_metrics_by_hand() -> None:
    metrics = ev.probability_metrics([1, 0], [0.8, 0.4])
    assert metrics["roc_auc"] == 1.0 and metrics["pr_auc"] == 1.0
    assert metrics["brier"] == pytest.approx(((1 - 0.8) ** 2 + 0.4**2) / 2)
    assert metrics["log_loss"] == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2)


def test_profit_curve_by_hand() -> None:
    curve = ev.profit_curve(LABELS, SCORES, contact_cost=1.0, margin=4.0)
    # Top 1: one buyer (4 - 1 = 3); top 3: two buyers (8 - 3 = 5); top 6: three buyers (12 - 6 = 6).
    assert curve["profit"].tolist()[:7] == [0, 3, 2, 5, 4, 3, 6]
    best = curve.loc[curve["profit"].idxmax()]
    assert int(best["contacted"]) == 6 and best["threshold"] == 0.4


def test_profit_at_threshold_by_hand_and_on_the_curve() -> None:
    campaign = ev.profit_at_threshold(LABELS, SCORES, 0.5, contact_cost=1.0, margin=4.0)
    # p >= 0.5: five contacted, two of them buyers: 2 × 4 − 5 × 1 = 3
    assert campaign == {"contacted": 5, "share_contacted": 0.5, "buyers_reached": 2, "profit": 3.0}
    curve = ev.profit_curve(LABELS, SCORES, contact_cost=1.0, margin=4.0)
    for _, row in curve.iterrows():  # every point of the curve is the campaign at its threshold
        at = ev.profit_at_threshold(LABELS, SCORES, row["threshold"], 1.0, 4.0)
        assert (at["contacted"], at["profit"]) == (row["contacted"], pytest.approx(row["profit"]))
    nobody = ev.profit_at_threshold(LABELS, SCORES, 0.95, 1.0, 4.0)
    assert nobody["contacted"] == 0 and nobody["profit"] == 0.0


def test_profit_curve_contacts_tied_scores_together() -> None:
    constant = ev.profit_curve(LABELS, np.full(10, 0.3), contact_cost=1.0, margin=4.0)
    assert constant["contacted"].tolist() == [0, 10]  # nobody or everybody: no threshold splits a tie
    tied = ev.profit_curve(LABELS, [0.9, 0.5, 0.5, 0.5, 0.4, 0.3, 0.2, 0.2, 0.1, 0.0], 1.0, 4.0)
    assert tied["contacted"].tolist() == [0, 1, 4, 5, 6, 8, 9, 10]


def test_top_decile_lift_averages_the_scores_tied_at_the_cut() -> None:
    labels = np.array([1] * 3 + [0] * 17)  # 20 customers, the top decile is 2 of them
    assert ev.top_decile_lift(labels, np.zeros(20)) == pytest.approx(1.0)
    scores = np.r_[1.0, np.zeros(19)]  # customer 0 (a buyer) on top; 19 tie for the second place
    assert ev.top_decile_lift(labels, scores) == pytest.approx((1 + 2 / 19) / 2 / 0.15)
    assert ev.top_decile_lift_range(labels, scores) == pytest.approx((1 / 2 / 0.15, 2 / 2 / 0.15))


def test_gains_table_and_top_decile_lift_by_hand() -> None:
    table = ev.gains_table(LABELS, SCORES, n_groups=5)
    assert table["sessions"].tolist() == [2, 2, 2, 2, 2] and table["buyers"].tolist() == [1, 1, 1, 0, 0]
    assert table["lift"].iloc[0] == pytest.approx(0.5 / 0.3)
    assert table["cumulative_gain"].tolist() == pytest.approx([1 / 3, 2 / 3, 1, 1, 1])
    assert ev.top_decile_lift(LABELS, SCORES) == pytest.approx(1 / 0.3)  # the top 1 of 10 is a buyer
    assert ev.top_decile_lift(LABELS, SCORES) == pytest.approx(ev.gains_table(LABELS, SCORES)["lift"].iloc[0])


def test_expected_calibration_error_by_hand() -> None:
    # Bin [0.2, 0.3): predicted 0.2 and 0.2, observed 1/2 -> gap 0.3; bin [0.9, 1]: 0.9 vs 1 -> gap 0.1.
    ece = ev.expected_calibration_error([1, 0, 1], [0.2, 0.2, 0.9], n_bins=10)
    assert ece == pytest.approx(2 / 3 * 0.3 + 1 / 3 * 0.1)


def test_temperature_scaling_recovers_a_known_shift_and_scale() -> None:
    rng = np.random.default_rng(1)
    true_logits = rng.normal(-1.0, 1.5, 20_000)
    labels = rng.random(true_logits.size) < 1 / (1 + np.exp(-true_logits))
    skewed = 2.0 * true_logits + 1.7  # a model that is over-confident and shifted up by log(pos_weight)
    fitted = ev.fit_temperature(skewed, labels)
    assert fitted.temperature == pytest.approx(2.0, rel=0.05) and fitted.shift == pytest.approx(1.7, abs=0.1)
    probabilities = fitted(skewed)
    assert ev.expected_calibration_error(labels, probabilities) < 0.02
    isotonic = ev.fit_isotonic(1 / (1 + np.exp(-skewed)), labels)
    assert ev.expected_calibration_error(labels, isotonic.predict(1 / (1 + np.exp(-skewed)))) < 0.02


def test_bootstrap_interval_contains_the_estimate_and_narrows_with_data() -> None:
    rng = np.random.default_rng(2)
    widths = []
    for n in (200, 2000):
        y = rng.random(n) < 0.3
        s = y + rng.normal(size=n)
        estimate, low, high = ev.bootstrap_ci(ev.roc_auc, y, s, n_resamples=300)
        assert low < estimate < high
        widths.append(high - low)
    assert widths[1] < widths[0] / 2


def test_paired_bootstrap_finds_a_real_difference_and_not_a_fake_one() -> None:
    rng = np.random.default_rng(3)
    y = rng.random(1500) < 0.3
    strong, weak = y + rng.normal(size=y.size), y + 3 * rng.normal(size=y.size)
    win = ev.paired_bootstrap(ev.roc_auc, y, strong, weak, n_resamples=300)
    assert win["low"] > 0 and win["p_value"] < 0.01
    jittered = strong + 1e-9 * rng.normal(size=y.size)
    same = ev.paired_bootstrap(ev.roc_auc, y, strong, jittered, n_resamples=300)
    assert same["low"] <= 0 <= same["high"] and same["p_value"] > 0.05


def test_metrics_by_slice() -> None:
    table = ev.metrics_by_slice(LABELS, SCORES, ["a"] * 5 + ["b"] * 5)
    assert table.loc["a", "sessions"] == 5 and table.loc["a", "buyers"] == 2
    assert table.loc["a", "roc_auc"] == pytest.approx(ev.roc_auc(LABELS[:5], SCORES[:5]))
    assert math.isnan(ev.metrics_by_slice([1, 0, 0], [0.5, 0.4, 0.3], ["a", "b", "b"]).loc["b", "roc_auc"])
    bands = pd.cut(
        pd.Series([2, 12, 5, 8, 1, 15], index=[10, 11, 12, 13, 14, 15]),
        [0, 3, 6, 10, 99],
        labels=["1-3", "4-6", "7-10", "11+"],
    )
    ordered = ev.metrics_by_slice([1, 0, 1, 0, 0, 1], [0.9, 0.1, 0.8, 0.2, 0.3, 0.7], bands)
    assert list(ordered.index) == ["1-3", "4-6", "7-10", "11+"]  # the bands' order, not the alphabet's
    assert list(ordered["sessions"]) == [2, 1, 1, 2]


def test_holdout_split_is_disjoint_and_shrinks_to_fit() -> None:
    split = ev.holdout_split(100, 30, 50, seed=0)
    assert len(split.train) == 30 and len(split.test) == 50 and not set(split.train) & set(split.test)
    small = ev.holdout_split(40, 30, 50, seed=0)
    assert len(small.train) + len(small.test) <= 40 and len(small.test) > len(small.train)


@pytest.mark.parametrize(
    ("labels", "scores", "message"),
    [([1, 0], [0.5], "one length"), ([1, 2], [0.1, 0.2], "0/1"), ([1, 0], [np.nan, 0.2], "finite")],
)
def test_bad_inputs_are_refused(labels, scores, message) -> None:
    with pytest.raises(DataError, match=message):
        ev.probability_metrics(labels, scores)


def test_ranking_needs_both_classes() -> None:
    with pytest.raises(DataError, match="both"):
        ev.bootstrap_ci(ev.roc_auc, [1, 1, 1], [0.1, 0.2, 0.3])


def test_result_row_has_intervals_around_its_estimates() -> None:
    rng = np.random.default_rng(4)
    y = rng.random(800) < 0.2
    s = y + rng.normal(size=y.size)
    row = ev.result_row(y, s, n_resamples=200)
    assert row["roc_auc"] == pytest.approx(roc_auc_score(y, s))
    assert row["pr_auc"] == pytest.approx(average_precision_score(y, s))  # the step-wise PR-AUC
    assert row["roc_auc_low"] <= row["roc_auc"] <= row["roc_auc_high"]
    assert row["roc_auc_low"] < row["roc_auc_high"]
    assert row["top_decile_lift_low"] <= row["top_decile_lift"] <= row["top_decile_lift_high"]
    assert row["top_decile_lift_low"] < row["top_decile_lift_high"]


def test_cluster_bootstrap_moves_a_customers_rows_together() -> None:
    rng = np.random.default_rng(0)
    customer_scores = rng.normal(size=60)
    customer_labels = (customer_scores + rng.normal(size=60) > 0.5).astype(int)
    # Each customer appears ten times with one score and label: ten copies are not ten times the evidence.
    labels, scores = np.repeat(customer_labels, 10), np.repeat(customer_scores, 10)
    customers = np.repeat(np.arange(60), 10)
    _, low, high = ev.bootstrap_ci(ev.roc_auc, labels, scores, 300, groups=customers)
    _, row_low, row_high = ev.bootstrap_ci(ev.roc_auc, labels, scores, 300)
    _, once_low, once_high = ev.bootstrap_ci(ev.roc_auc, customer_labels, customer_scores, 300)
    assert high - low > 2 * (row_high - row_low)  # rows as units: far too narrow
    assert high - low == pytest.approx(once_high - once_low, rel=0.35)  # as wide as one row per customer
    paired = ev.paired_bootstrap(ev.roc_auc, labels, scores, -scores, 300, groups=customers)
    assert paired["low"] > 0
    with pytest.raises(DataError, match="one id per row"):
        ev.bootstrap_ci(ev.roc_auc, labels, scores, 10, groups=customers[:5])


def test_paired_bootstrap_takes_several_classes_when_told() -> None:
    rng = np.random.default_rng(0)
    labels = np.arange(300) % 3
    perfect, guessed = labels.copy(), rng.integers(0, 3, 300)
    macro_f1 = lambda y, p: f1_score(y, p, average="macro", labels=[0, 1, 2])  # noqa: E731
    result = ev.paired_bootstrap(macro_f1, labels, perfect, guessed, n_resamples=200, n_classes=3)
    assert result["difference"] == pytest.approx(1.0 - f1_score(labels, guessed, average="macro"))
    assert 0 < result["low"] <= result["difference"] <= result["high"]
    with pytest.raises(DataError, match="0/1"):
        ev.paired_bootstrap(macro_f1, labels, perfect, guessed, n_resamples=10)  # three classes, told two
