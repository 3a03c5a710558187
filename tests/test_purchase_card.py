"""The purchase predictor's model card: its metrics, its example inputs, its sections and its files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers.evaluation import bootstrap_ci, roc_auc, top_decile_lift
from helpers.model_card import card_html, metric_line, model_card
from helpers.purchase_card import (
    dp_cost_text,
    pii_card_examples,
    predictor_test_metrics,
    purchase_card_content,
    write_model_card,
)
from helpers.sim.world import load_world

RECORDED = {
    "predictor_test_auc": 0.83649,
    "predictor_test_auc_low": 0.8,
    "predictor_test_auc_high": 0.87,
    "predictor_top_decile_lift": 4.1,
    "dp_auc_eps1": 0.72,
    "dp_auc_nonprivate": 0.79,
    "dp_auc_cost_eps1": -0.067,
    "dp_auc_cost_eps1_low": -0.104,
    "dp_auc_cost_eps1_high": -0.032,
    "mia_auc_nonprivate": 0.586,
    "pii_recall_name_hard_cases": 0.3333,
}


def test_predictor_test_metrics_are_the_bootstrap_intervals_of_auc_and_lift() -> None:
    rng = np.random.default_rng(0)
    labels = (rng.random(300) < 0.3).astype(int)
    scores = labels + rng.normal(size=300)
    groups = np.arange(300) // 3
    metrics = predictor_test_metrics(labels, scores, n_resamples=50, seed=1, groups=groups)
    assert list(metrics) == [
        "predictor_test_auc",
        "predictor_test_auc_low",
        "predictor_test_auc_high",
        "predictor_top_decile_lift",
        "predictor_top_decile_lift_low",
        "predictor_top_decile_lift_high",
    ]
    auc = bootstrap_ci(roc_auc, labels, scores, 50, seed=1, groups=groups)
    lift = bootstrap_ci(top_decile_lift, labels, scores, 50, seed=1, groups=groups)
    assert tuple(metrics.values()) == (*auc, *lift)


def test_pii_card_examples_carry_the_injected_values() -> None:
    world = load_world(n_users=60, seed=0, pii_fraction=0.5)
    searches = world.events[world.events["event"] == "search"]
    examples, injected = pii_card_examples(searches, world.events, world.catalog, n_sessions=2)
    assert len(examples) == 2 and injected
    assert all(any(value in example for example in examples) for value in injected)
    first = searches.loc[searches["query_pii"] != "[]"].iloc[0]
    span = json.loads(first["query_pii"])[0]
    assert injected[0] == first["query"][span["start"] : span["end"]]


def content(recorded=RECORDED, examples=("Call me on 555-0134",)):
    auc_line = metric_line(recorded, "predictor_test_auc", "ROC-AUC, test sessions", "customers resampled")
    train = pd.DataFrame({"user_id": [1, 1, 2, 3]})
    hard = pd.Series({"NAME": 1 / 3, "PHONE": 2 / 3, "ADDRESS": 2 / 3})
    return purchase_card_content(
        recorded,
        {"ece_after": 0.016},
        auc_line=auc_line,
        oracle_auc=0.878,
        variant="LP-FT",
        train=train,
        n_users=3000,
        seed=0,
        delta=1e-5,
        k=10,
        templated_recall=1.0,
        hard_recall=hard,
        examples=examples,
    )


def test_the_card_quotes_the_recorded_metrics_and_masks_its_examples() -> None:
    card = model_card(content())
    assert card.startswith("# Model card: BERT purchase predictor (all-MiniLM-L6-v2, LP-FT)")
    assert (
        "Test ROC-AUC 0.836; the best possible on this data (the simulator's true probability) is 0.878."
        in card
    )
    assert "| ROC-AUC, test sessions | 0.836 | [0.800, 0.870] | customers resampled |" in card
    assert "| expected calibration error after calibration | 0.016 |  | notebook 05 |" in card
    assert "| ROC-AUC of the DP head at ε = 1 | 0.720 |  | δ = 1e-05 |" in card
    assert "| membership attack, DP ε = 1 | not recorded |" in card
    assert "4 simulated sessions of 3 shoppers (the workbook's simulator of 3,000 shoppers, seed 0)" in card
    assert "only 0.333 of names, 0.667 of phone numbers and 0.667 of addresses" in card
    assert dp_cost_text(RECORDED) == "-0.067 [-0.104, -0.032] (paired bootstrap over customers, 95 %)"
    assert f"{dp_cost_text(RECORDED)}: a cost larger than the noise of this test set" in card
    assert "555-0134" not in card and "fewer than 10 distinct customers" in card
    no_cost = model_card(content({**RECORDED, "dp_auc_cost_eps1_high": 0.01}))
    assert "the interval includes 0, so this test set does not show a cost" in no_cost
    rows = [line.split(" | ")[0] for line in card.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[1:5] == [
        "| ROC-AUC, test sessions",
        "| top-decile lift",
        "| expected calibration error after calibration",
        "| best possible ROC-AUC (oracle)",
    ]


def test_write_model_card_writes_markdown_and_html(tmp_path) -> None:
    card = model_card(content())
    path = write_model_card(card, tmp_path / "reports")
    assert path == tmp_path / "reports" / "model_card.md" and path.read_text(encoding="utf-8") == card
    assert (tmp_path / "reports" / "model_card.html").read_text(encoding="utf-8") == card_html(card)
    assert write_model_card(card, tmp_path, stem="card").name == "card.md"


@pytest.mark.parametrize("missing", ["dp_auc_cost_eps1_low", "dp_auc_cost_eps1"])
def test_dp_cost_text_without_an_interval_or_a_value(missing) -> None:
    recorded = {key: value for key, value in RECORDED.items() if key != missing}
    assert dp_cost_text(recorded).endswith("(paired bootstrap over customers, 95 %)")
