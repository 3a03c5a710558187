"""helpers.comparisons: the bookkeeping of model comparisons, on small synthetic test sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

from helpers import comparisons as cmp
from helpers import evaluation as ev


def synthetic(n: int = 600, seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Labels and three models' scores: a strong one, a weak one, and the strong one barely jittered."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    strong = y + rng.normal(size=n)
    return y, {
        "strong": strong,
        "weak": y + 4 * rng.normal(size=n),
        "jittered": strong + 1e-9 * rng.normal(size=n),
    }


def test_p_value_text_prints_the_floor_as_an_upper_bound() -> None:
    assert cmp.p_value_text(0.001, 1000) == "p ≤ 0.001"
    assert cmp.p_value_text(0.0005, 1000) == "p ≤ 0.001"
    assert cmp.p_value_text(0.002, 1000) == "p = 0.002"
    assert cmp.p_value_text(0.01, 100) == "p ≤ 0.010"
    assert cmp.p_value_text(1.0, 100) == "p = 1.000"


def test_verdict_reads_the_interval_around_zero() -> None:
    assert cmp.verdict({"low": 0.1, "high": 0.2}) == "A wins"
    assert cmp.verdict({"low": -0.2, "high": -0.1}) == "B wins"
    assert cmp.verdict({"low": -0.1, "high": 0.1}) == "no clear winner"
    assert cmp.verdict({"low": 0.0, "high": 0.1}, "better", "worse", "tie") == "tie"  # zero is inside
    assert cmp.verdict({"low": -0.2, "high": -0.1}, "better", "worse", "tie") == "worse"


def test_compare_roc_auc_is_the_paired_bootstrap_and_prints_one_line() -> None:
    y, scores = synthetic()
    comparison = cmp.compare_roc_auc("strong", "weak", y, scores, 200, seed=3)
    expected = ev.paired_bootstrap(ev.roc_auc, y, scores["strong"], scores["weak"], 200, seed=3)
    assert (comparison.difference, comparison.low, comparison.high, comparison.p_value) == (
        expected["difference"],
        expected["low"],
        expected["high"],
        expected["p_value"],
    )
    assert comparison.verdict() == "A wins" and comparison.verdict("better than") == "better than"
    assert str(comparison) == (
        f"strong − weak: ΔAUC {expected['difference']:+.3f} [{expected['low']:+.3f}, "
        f"{expected['high']:+.3f}], p ≤ 0.005 → A wins"
    )
    same = cmp.compare_roc_auc("strong", "jittered", y, scores, 200)
    assert same.verdict() == "no clear winner" and str(same).endswith("→ no clear winner")
    grouped = cmp.compare_roc_auc("weak", "strong", y, scores, 100, groups=np.arange(len(y)) // 2)
    assert grouped.verdict() == "B wins"


def test_paired_verdicts_table_header_and_summary() -> None:
    y, scores = synthetic()
    verdicts = cmp.paired_verdicts("strong", ["weak", "jittered"], y, scores, 200, seed=1)
    table = verdicts.table
    assert table.index.tolist() == [
        (b, m) for b in ("weak", "jittered") for m in ("ROC-AUC", "PR-AUC", "top-decile lift")
    ]
    assert table.columns.tolist() == ["difference", "95 % low", "95 % high", "p", "verdict"]
    pr = ev.paired_bootstrap(average_precision_score, y, scores["strong"], scores["weak"], 200, seed=1)
    assert table.loc[("weak", "PR-AUC"), "difference"] == pr["difference"]
    assert table.loc[("weak", "PR-AUC"), "95 % low"] == pr["low"]
    assert table.loc[("weak", "PR-AUC"), "p"] == cmp.p_value_text(pr["p_value"], 200)
    assert set(table.loc["weak", "verdict"]) == {"better"}
    assert set(table.loc["jittered", "verdict"]) == {"no clear difference"}
    assert verdicts.header.startswith("strong − each model below (difference: strong minus it)")
    assert verdicts.summary.splitlines() == [
        "strong against weak: ROC-AUC: better; PR-AUC: better; top-decile lift: better",
        "strong against jittered: ROC-AUC: no clear difference; PR-AUC: no clear difference; "
        "top-decile lift: no clear difference",
    ]


def test_paired_verdicts_says_when_the_metrics_disagree() -> None:
    y, scores = synthetic()
    always = {"ROC-AUC": ev.roc_auc, "a constant difference": lambda labels, s: float(s.mean() > -1e9)}
    verdicts = cmp.paired_verdicts("strong", ("weak",), y, scores, 100, metrics=always)
    assert verdicts.table["verdict"].tolist() == ["better", "no clear difference"]
    assert verdicts.summary.endswith("(not the same verdict in every metric)")


def test_observed_vs_predicted_by_group() -> None:
    table = cmp.observed_vs_predicted([1, 0, 1, 1], [0.5, 0.3, 0.9, 0.7], [2, 1, 2, 1], by_name="frequency")
    assert table.index.name == "frequency" and table.index.tolist() == [1, 2]
    assert table.columns.tolist() == ["customers", "observed", "predicted"]
    assert table["customers"].tolist() == [2, 2]
    assert table["observed"].tolist() == pytest.approx([0.5, 1.0])
    assert table["predicted"].tolist() == pytest.approx([0.5, 0.7])
    sessions = cmp.observed_vs_predicted([1, 0], [0.2, 0.4], ["b", "a"], unit="sessions")
    assert sessions.index.tolist() == ["a", "b"] and sessions.columns[0] == "sessions"


def test_interval_text_formats_estimate_and_interval() -> None:
    table = pd.DataFrame({"auc": [0.5, 0.81234], "auc_low": [0.5, 0.7], "auc_high": [0.5, 0.9]}, index=[3, 4])
    text = cmp.interval_text(table, "auc", 3)
    assert text.tolist() == ["0.500 [0.500, 0.500]", "0.812 [0.700, 0.900]"]
    assert text.index.tolist() == [3, 4]
    assert cmp.interval_text(table, "auc", 2).iloc[1] == "0.81 [0.70, 0.90]"


def test_results_table_keeps_one_row_per_data_set_and_model() -> None:
    y, scores = synthetic(300)
    results = cmp.ResultsTable(n_resamples=50, seed=2)
    row = results.add("first", "strong", y, scores["strong"])
    assert row == {"data": "first", "model": "strong", **ev.result_row(y, scores["strong"], 50, 2)}
    first = results.add_all("first", y, {"weak": scores["weak"]})
    assert first.index.tolist() == ["strong", "weak"] and "data" not in first.columns
    assert first.columns.tolist() == list(ev.result_row(y, scores["weak"], 50, 2))
    groups = np.arange(len(y)) // 3
    second = results.add_all("second", y, scores, groups=groups)
    assert second.index.tolist() == ["strong", "weak", "jittered"]
    assert (
        second.loc["weak", "roc_auc_low"]
        == ev.result_row(y, scores["weak"], 50, 2, groups=groups)["roc_auc_low"]
    )
    frame = results.frame()
    assert frame[["data", "model"]].values.tolist() == [
        ["first", "strong"],
        ["first", "weak"],
        ["second", "strong"],
        ["second", "weak"],
        ["second", "jittered"],
    ]
    assert results.table("first").equals(first)
