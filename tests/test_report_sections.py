"""The report's section plumbing: data, predictor comparison, recorded metrics, reviews and the summary's
sentences, on small synthetic data with stand-ins for the models."""

import math
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import helpers.lpft
import helpers.predictor
import helpers.purchase_data
import helpers.sim.reviews
import helpers.sim.world
from helpers.campaign import Audience, OutcomeCheck
from helpers.model_card import MetricLine
from helpers.report_sections import (
    SentimentReader,
    as_markdown,
    compare_predictors,
    copy_line,
    data_line,
    library_versions,
    out_of_domain_note,
    quality_line,
    quality_lines,
    record_audience,
    record_plan_checks,
    record_ranking_quality,
    report_train_config,
    review_mentions,
    reviews_line,
    saved_sentiment_classifier,
    simulator_report_data,
    star_check,
    train_sentiment_classifier,
)
from helpers.run_log import read_metrics, set_notebook

PROFILE = types.SimpleNamespace(
    epochs=3, batch_size=8, learning_rate=1e-4, eval_batch_size=32, dropout=0.2, encoder_name="tiny"
)


@pytest.fixture
def metrics():
    set_notebook("99_report_sections")
    return lambda: read_metrics("99_report_sections")


def _scored(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.01, 0.9, n)
    return pd.DataFrame({"user_id": np.arange(n) // 2, "p": p, "y": (rng.uniform(size=n) < p).astype(int)})


def test_as_markdown_escapes_every_dollar():
    assert as_markdown("$5 and $10") == "\\\\$5 and \\\\$10" and as_markdown("no money") == "no money"


def test_library_versions_names_each_distribution():
    versions = library_versions(("pandas", "numpy"))
    assert list(versions) == ["pandas", "numpy"] and versions["pandas"] == pd.__version__


def test_simulator_report_data_keeps_the_test_customers_sessions(monkeypatch):
    test = pd.DataFrame(
        {"session_id": [7, 3], "user_id": [1, 2], "segment": ["a", "b"], "text": ["x", "y"], "start": [0, 1]},
        index=[10, 4],
    ).assign(purchased=[True, False])
    world = types.SimpleNamespace(catalog="catalog", events="events", reviews="reviews")
    calls = []
    monkeypatch.setattr(
        helpers.purchase_data,
        "purchase_splits",
        lambda *a: calls.append(a) or types.SimpleNamespace(test=test),
    )
    monkeypatch.setattr(helpers.sim.world, "load_world", lambda n_users, seed: world)
    catalog, events, reviews, pool = simulator_report_data("tok", 50, 64, 200, 3)
    assert (catalog, events, reviews) == ("catalog", "events", "reviews")
    assert calls == [("tok", 50, 64, 200, None, 3)]  # every test session: no sample drawn there
    assert list(pool.columns) == ["session_id", "user_id", "segment", "text", "purchased"]
    assert list(pool.index) == [0, 1] and list(pool["purchased"]) == [1, 0]


def test_report_train_config_follows_the_profile():
    config = report_train_config(PROFILE, seed=4)
    assert (config.epochs, config.batch_size, config.eval_batch_size, config.seed) == (3, 8, 32, 4)
    assert config.learning_rate == 1e-4 and config.dropout == 0.2 and not config.progress
    assert report_train_config(PROFILE, 4, epochs=2).epochs == 2


def test_compare_predictors_ranks_both_and_records_the_difference(metrics):
    data = _scored()
    noise = np.random.default_rng(1).uniform(size=len(data))
    scored = {"simulator": noise, "own": data["p"].to_numpy()}
    rankings, gain = compare_predictors(data["y"], scored, data["user_id"], seed=0)
    assert list(rankings.index) == ["simulator", "own"] and list(rankings.columns) == [
        "ROC-AUC",
        "low",
        "high",
    ]
    assert rankings["ROC-AUC"].idxmax() == "own" and gain["low"] <= gain["difference"] <= gain["high"]
    assert gain["difference"] == pytest.approx(
        rankings.loc["own", "ROC-AUC"] - rankings.loc["simulator", "ROC-AUC"]
    )
    recorded = metrics()
    assert recorded["report_auc_own_outcomes"] == round(rankings.loc["own", "ROC-AUC"], 4)
    assert recorded["report_auc_own_minus_simulator_high"] == round(gain["high"], 4)
    assert {name for name in recorded if name.startswith("report_auc_")} == {
        "report_auc_simulator_model",
        "report_auc_own_outcomes",
        "report_auc_own_minus_simulator",
        "report_auc_own_minus_simulator_low",
        "report_auc_own_minus_simulator_high",
    }


def test_ranking_quality_is_recorded_unrounded_and_quoted_by_quality_lines(metrics):
    data = _scored()
    recorded = record_ranking_quality(data["y"], data["p"], data["user_id"], seed=0)
    assert recorded == metrics() and len(recorded) == 9
    assert recorded["report_auc_low"] <= recorded["report_auc"] <= recorded["report_auc_high"]
    auc, lift, ece = quality_lines(recorded)
    assert auc.value == recorded["report_auc"] and lift.name == "top-decile lift on these sessions"
    assert ece.high == recorded["report_ece_high"] and "biased upward" in ece.note
    assert math.isnan(quality_lines({})[0].value)


def test_plan_checks_and_the_audience_are_recorded_rounded(metrics):
    contacted, below, scored = (
        OutcomeCheck(10, 4.126, 5, 1.234),
        OutcomeCheck(3, 0.456, 1, 0.5),
        OutcomeCheck(40, 9.999, 11, 2.345),
    )
    assert record_plan_checks(contacted, below, scored) == {
        "audience_observed_buyers": 5,
        "audience_expected_buyers_sd": 1.23,
        "below_cutoff_observed_buyers": 1,
        "below_cutoff_expected_buyers_sd": 0.5,
        "scored_sessions_observed_buyers": 11,
        "scored_sessions_expected_buyers_sd": 2.35,
        "below_cutoff_customers": 3,
        "below_cutoff_expected_buyers": 0.46,
        "scored_sessions_expected_buyers": 10.0,
    }
    audience = Audience(np.array([2, 0, 1]), 1.23456, 3.0, 21.6789, False)
    assert record_audience(audience) == {
        "audience_size": 3.0,
        "expected_buyers": 1.23,
        "campaign_cost": 3.0,
        "expected_profit": 21.68,
    }
    assert metrics()["audience_size"] == 3.0 and metrics()["below_cutoff_customers"] == 3


def test_a_saved_classifier_is_read_with_its_training_record(monkeypatch):
    record = {"task": "sentiment", "data": "shop", "pos_weight": 4.0, "max_length": 96}
    monkeypatch.setattr(helpers.predictor, "load_predictor", lambda path: ("model", None))
    monkeypatch.setattr(helpers.predictor, "saved_training", lambda path: dict(record))
    reader = saved_sentiment_classifier(Path("models/sentiment"))
    assert reader.classifier == "model" and reader.shift == pytest.approx(np.log(4.0)) and reader.binary
    assert reader.source == "the fine-tuned classifier of notebook 07 (models/sentiment, trained on shop)"
    assert reader.max_length == 96 and reader.reading.startswith("it is binary")
    record = {"task": "sentiment", "data": "simulator", "label_scheme": "three"}
    reader = saved_sentiment_classifier(Path("m"))
    assert reader.shift == 0.0 and not reader.binary and reader.max_length == 128
    assert reader.reading.startswith("its neutral class is left out")


def test_a_classifier_is_trained_on_simulated_reviews_when_none_is_saved(monkeypatch):
    real_sample, calls = helpers.sim.reviews.review_sample, []

    def few_reviews(catalog, n, seed):
        calls.append((n, seed))
        return real_sample(catalog, 60, seed=seed)

    def fit(encoder, tokenizer, texts, labels, score, config, max_length, device):
        calls.append((encoder, len(texts) == len(labels), config.epochs, max_length, device))
        return types.SimpleNamespace(predictor="fitted", pos_weight=2.0)

    monkeypatch.setattr(helpers.sim.reviews, "review_sample", few_reviews)
    monkeypatch.setattr(helpers.lpft, "fit_lpft", fit)
    reader = train_sentiment_classifier(PROFILE, "tok", "cpu", seed=1)
    assert calls == [(2000, 1), ("tiny", True, 2, 128, "cpu")]
    assert reader.classifier == "fitted" and reader.shift == pytest.approx(np.log(2.0)) and reader.binary
    assert reader.training == {"data": "simulator", "simulated_reviews": 0, "max_length": 128}
    assert reader.source == "a classifier trained here on simulated reviews (notebook 07's recipe)"


def test_out_of_domain_note_tells_two_shops_files_of_one_name_apart(tmp_path):
    shop_a, shop_b = tmp_path / "shopA" / "reviews.csv", tmp_path / "shopB" / "reviews.csv"
    trained_on_a = {"data": "reviews", "data_path": str(shop_a)}
    assert out_of_domain_note(trained_on_a, str(shop_a), own_data=True) == ""
    assert "outside its domain" in out_of_domain_note(trained_on_a, str(shop_b), own_data=True)
    simulator = {"data": "simulator", "data_path": ""}  # an own file named simulator.csv is not the simulator
    named_like_it = str(tmp_path / "simulator.csv")
    assert "outside its domain" in out_of_domain_note(simulator, named_like_it, own_data=True)


def test_out_of_domain_note_names_the_fix():
    assert out_of_domain_note({"data": "simulator"}, "", own_data=False) == ""
    assert out_of_domain_note({"data": "reviews"}, "data/reviews.csv", own_data=True) == ""
    assert out_of_domain_note({"data": "reviews", "simulated_reviews": 500}, "", own_data=False) == ""
    own = out_of_domain_note({"data": "simulator"}, "shop/reviews.csv", own_data=True)
    assert own.startswith("the classifier learned from the reviews of simulator, not from shop/reviews.csv: ")
    assert own.endswith(
        "(rerun notebook 07 with train_path set to your reviews, which needs their star ratings)"
    )
    simulated = out_of_domain_note({"data": "shop"}, "", own_data=False)
    assert "not from the simulator" in simulated and "add_simulated_reviews=True" in simulated


REVIEWS = pd.DataFrame(
    {
        "product_id": [1, 1, 2, 2],
        "text": [
            "Battery lasts long. Call me on 555-123-4567",
            "Battery died fast",
            "Great sound",
            "Poor sound. Fast delivery",
        ],
        "category": ["headphones", "headphones", "earbuds", "earbuds"],
        "user_id": ["a", "b", "a", "c"],
        "rating": [5.0, 1.0, 4.4, 2.0],
    }
)


def _polarity(texts):
    return np.array([0.1 if any(w in t.lower() for w in ("died", "poor")) else 0.9 for t in texts])


def test_review_mentions_count_reviewers_or_reviews():
    mentions, unit = review_mentions(REVIEWS, _polarity)
    assert unit == "distinct reviewers"
    assert list(mentions.columns) == ["review", "clause", "aspect", "positive", "category", "reviewer"]
    battery = mentions[mentions["aspect"] == "battery"]
    assert list(battery["reviewer"]) == ["a", "b"] and list(battery["positive"]) == [0.9, 0.1]
    assert set(mentions["category"]) == {"headphones", "earbuds"}
    assert not mentions["clause"].str.contains("555").any()  # personal data masked
    anonymous, unit = review_mentions(REVIEWS.drop(columns="user_id"), _polarity)
    assert unit.startswith("reviews (the file names no reviewer") and list(anonymous["reviewer"]) == list(
        anonymous["review"]
    )


def test_review_mentions_pair_clauses_with_their_own_review_whatever_the_index():
    shuffled = REVIEWS.iloc[[3, 0, 2, 1]]  # index labels no longer positions
    mentions, _ = review_mentions(shuffled, _polarity)
    battery = mentions[mentions["aspect"] == "battery"]
    assert set(battery["category"]) == {"headphones"} and list(battery["reviewer"]) == ["a", "b"]
    delivery = mentions[mentions["aspect"] == "delivery"]
    assert list(delivery["category"]) == ["earbuds"] and list(delivery["reviewer"]) == ["c"]


def test_star_check_sets_the_classifier_beside_the_stars(metrics):
    says_positive = _polarity(REVIEWS["text"]) >= 0.5
    shares, agreement, sided = star_check(REVIEWS, says_positive, seed=0)
    assert shares == {"1-2": 0.5, "3": 0.0, "4-5": 0.5} and list(sided) == [True, True, True, True]
    assert agreement["balanced_accuracy"] == 1.0
    recorded = metrics()
    assert recorded["share_reviews_1_2_stars"] == 0.5 and recorded["review_star_balanced_accuracy"] == 1.0
    one_sided = REVIEWS.assign(rating=[5.0, 4.0, 3.0, 5.0])
    shares, agreement, sided = star_check(one_sided, says_positive, seed=0)
    assert agreement is None and shares["3"] == 0.25 and list(sided) == [True, True, False, True]
    assert star_check(REVIEWS.drop(columns="rating"), says_positive, 0) == (None, None, None)


def test_data_line_mentions_a_sample_only_when_there_is_one():
    line = data_line("your files (x.csv)", 1000, 338, "trained on the simulator (notebook 03)", None)
    assert line == (
        "**Data**: your files (x.csv); 1,000 sessions of 338 customers scored by the BERT purchase predictor "
        "trained on the simulator (notebook 03)."
    )
    sampled = data_line("d", 10, 5, "m", "10 of 20 sessions")
    assert sampled.endswith(
        " They are a random sample of whole customers, 10 of 20 sessions: the audience and its expected "
        "numbers cover this sample, not every customer."
    )


def test_quality_line_says_when_the_outcomes_are_too_few():
    quality = [
        MetricLine("auc", 0.85, 0.81, 0.89),
        MetricLine("lift", 4.6, 3.9, 5.2),
        MetricLine("ece", 0.02, 0.01, 0.04),
    ]
    line = quality_line(quality, None)
    assert line.startswith(
        "**Ranking quality** (these sessions have outcomes): ROC-AUC 0.850 [0.810, 0.890], "
    )
    assert "(95 % intervals, customers resampled). Binned ECE is biased upward" in line
    few = quality_line(quality, "5 buyers: too few outcomes to judge")
    assert (
        "resampled); 5 buyers: too few outcomes to judge the ranking or the calibration: the intervals" in few
    )


def test_reviews_line_adds_what_is_known():
    reader = SentimentReader("model", 0.0, {"data": "simulator"}, "the classifier", True)
    complaints = pd.DataFrame(
        {"aspect": ["battery", "sound"], "complaints": [3, 7]}, index=["phones", "earbuds"]
    )
    line = reviews_line(
        reader,
        0.853,
        652,
        {"1-2": 0.1, "3": 0.2, "4-5": 0.7},
        {"balanced_accuracy": 0.708},
        "",
        complaints,
        10,
        "distinct reviewers",
    )
    assert line.startswith(
        "**Reviews**: the sentiment classifier (the classifier) reads 85% of 652 reviews as more"
    )
    assert "The reviewers' own stars: 10% gave 1-2, 20% gave 3 and 70% gave 4-5." in line
    assert "at a balanced accuracy of 0.71 (0.5 = chance)." in line and "Warning" not in line
    assert line.endswith(" The most frequent complaint shown is sound in earbuds.")
    bare = reviews_line(reader, 0.5, 4, None, None, "outside its domain", None, 10, "distinct reviewers")
    assert "reviewers' own stars" not in bare and "balanced accuracy" not in bare
    assert " Warning: outside its domain." in bare
    assert bare.endswith(
        "No complaint is shown: no category × aspect cell of complaints has 10 or more distinct reviewers."
    )


def test_copy_line_counts_segments_and_the_contacts_they_reach():
    line = copy_line(["a", "b", "c"], ["copy", None, "copy"], 188, 269)
    assert line == (
        "**Copy**: 2 of 3 target segments (a, b, c) have a copy that passed the checks; those segments "
        "hold 188 of the 269 contacted customers (70%); no checked copy reaches the other 81. A person "
        "reads each before it ships."
    )
    assert copy_line(["a"], [None], 0, 0) == (
        "**Copy**: 0 of 1 target segments (a) have a copy that passed the checks. A person reads each "
        "before it ships."
    )
