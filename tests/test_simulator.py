"""The synthetic world: determinism, the statistical targets, text, reviews and PII."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from helpers.baselines import tfidf_auc
from helpers.behaviour_text import (
    SEPARATOR,
    TRUNCATION_MARK,
    TRUNCATION_PREFIX,
    history_to_text,
    sessions_to_text,
)
from helpers.model_registry import load_tokenizer
from helpers.sim.catalog import CATEGORIES
from helpers.sim.oracle import oracle_features, oracle_probability
from helpers.sim.sessions import SEGMENTS
from helpers.sim.world import load_world, simulate, split_by_user, to_dataset

EVENT_TYPES = {"search", "view", "read_reviews", "add_to_cart", "remove_from_cart", "apply_coupon"}


@pytest.fixture(scope="module")
def world():
    return simulate(n_users=3_000, seed=0)


@pytest.fixture(scope="module")
def split(world):
    return split_by_user(world.sessions, test_fraction=0.3, seed=0)


def test_same_seed_same_frames(world) -> None:
    again = simulate(n_users=3_000, seed=0)
    for name in ("catalog", "users", "sessions", "events", "reviews"):
        pd.testing.assert_frame_equal(getattr(world, name), getattr(again, name))
    other = simulate(n_users=3_000, seed=1)
    assert not world.sessions["purchased"].equals(other.sessions["purchased"])


def test_catalog_has_categories_products_and_facts(world) -> None:
    catalog = world.catalog
    assert catalog["category"].nunique() >= 8 and len(catalog) >= 300
    assert catalog["product_id"].is_unique and (catalog["price"] > 0).all()
    assert catalog["avg_rating"].between(1, 5).all()
    for attributes, description in zip(catalog["attributes"], catalog["description"], strict=True):
        assert json.loads(attributes), "every product has category-specific attributes"
        assert description.startswith(catalog.loc[catalog["description"] == description, "title"].iloc[0])


def test_users_have_segments_and_several_sessions(world) -> None:
    assert set(world.users["segment"]) == set(SEGMENTS)
    assert world.users["n_sessions"].mean() > 2
    assert world.sessions.groupby("user_id").size().max() > 1


def test_sessions_are_ordered_timestamped_events(world) -> None:
    events = world.events
    assert set(events["event"]) == EVENT_TYPES
    assert events.groupby("session_id")["timestamp"].apply(lambda t: t.is_monotonic_increasing).all()
    assert (events["dwell_s"] > 0).all()
    queries = events.loc[events["event"] == "search", "query"]
    assert queries.str.contains(" vs ").any() and queries.str.contains(r"under \$\d+").any()
    assert queries.str.split().str.len().nunique() > 5, "queries vary in specificity"


def test_conversion_rate(world) -> None:
    assert 0.08 <= world.sessions["purchased"].mean() <= 0.20


def test_oracle_auc_is_high_but_not_perfect(split) -> None:
    _, test = split
    assert 0.85 <= roc_auc_score(test["purchased"], test["oracle_p"]) <= 0.93


def test_tfidf_leaves_room_below_the_oracle(split) -> None:
    train, test = split
    oracle = roc_auc_score(test["purchased"], test["oracle_p"])
    baseline = tfidf_auc(train["text"], train["purchased"], test["text"], test["purchased"])
    assert baseline <= oracle - 0.04, f"TF-IDF {baseline:.3f} vs oracle {oracle:.3f}"
    assert baseline >= 0.6, "the text must still carry signal"


def test_oracle_uses_only_the_event_log(world) -> None:
    shuffled = world.events.sample(frac=1.0, random_state=0)
    shuffled = shuffled.sort_values(["session_id", "step"])  # order is recoverable from the log itself
    again = oracle_probability(oracle_features(shuffled, world.catalog))
    np.testing.assert_allclose(again.to_numpy(), world.sessions["oracle_p"].to_numpy())


def test_order_matters_to_the_oracle(world) -> None:
    features = world.features.set_index("session_id")
    assert features["views_after_cart"].gt(0).mean() > 0.05
    assert features["over_budget"].sum() > 0 and features["negative_reviews_read"].sum() > 0


def test_split_by_user_is_disjoint(split) -> None:
    train, test = split
    assert not set(train["user_id"]) & set(test["user_id"])
    assert 0.2 < len(test) / (len(train) + len(test)) < 0.4


def test_session_text_format(world) -> None:
    text = world.sessions.set_index("session_id")["text"]
    first = world.events[world.events["session_id"] == 0]
    assert text[0].count(SEPARATOR) == len(first) - 1
    assert all(phrase in " ".join(text.head(200)) for phrase in ('searched "', "viewed ", "added ", " stars"))


def test_truncation_keeps_the_most_recent_events(world) -> None:
    tokenizer = load_tokenizer("minilm")
    events = world.events[world.events["session_id"] < 300]
    full = sessions_to_text(events, world.catalog)
    cut = sessions_to_text(events, world.catalog, tokenizer=tokenizer, max_length=48)
    lengths = [len(ids) for ids in tokenizer(list(cut))["input_ids"]]
    assert max(lengths) <= 48
    truncated = cut[cut.str.startswith(TRUNCATION_MARK)]
    assert len(truncated) > 10
    for session_id, text in truncated.items():
        assert full[session_id].endswith(text[len(TRUNCATION_PREFIX) :])
        assert text.startswith("... ") and not text.startswith("....")
    short = cut[~cut.str.startswith(TRUNCATION_MARK)]
    assert (short == full[short.index]).all()


def test_customer_history_joins_sessions_in_time_order(world) -> None:
    user = world.sessions.groupby("user_id").size().idxmax()
    sessions = world.sessions[world.sessions["user_id"] == user]
    events = world.events[world.events["session_id"].isin(sessions["session_id"])]
    history = history_to_text(events, sessions, world.catalog)[user]
    assert history.count("[new session, ") == len(sessions) - 1
    ordered = sessions.sort_values("start_time")["text"]
    positions = [history.index(text) for text in ordered]
    assert positions == sorted(positions)


def test_reviews_labels_noise_and_language(world) -> None:
    reviews = world.reviews
    assert len(reviews) > 300
    expected = np.select([reviews["rating"] <= 2, reviews["rating"] == 3], ["neg", "neu"], "pos")
    assert (reviews["sentiment"] == expected).all()
    assert 0.03 <= reviews["rating_is_noise"].mean() <= 0.10
    text = " ".join(reviews["text"]).lower()
    assert "not bad" in text and "not worth it" in text and " but " in text
    aspects = reviews["aspect_labels"].map(json.loads)
    assert aspects.map(len).between(1, 3).all()
    assert {a for labels in aspects for a in labels} >= {"value", "delivery", "battery", "fit"}
    assert {c.name for c in CATEGORIES} >= set(reviews["category"])


def test_pii_spans_point_at_the_injected_values() -> None:
    world = simulate(n_users=300, seed=2, pii_fraction=0.3)
    spans = world.reviews["pii_spans"].map(json.loads)
    assert 0.15 < spans.map(bool).mean() < 0.45
    labels = set()
    for text, found in zip(world.reviews["text"], spans, strict=True):
        for span in found:
            value = text[span["start"] : span["end"]]
            labels.add(span["label"])
            if span["label"] == "EMAIL":
                assert value.endswith("@example.com")
            if span["label"] == "CARD":
                assert len(value.replace(" ", "")) == 16
    assert labels == {"NAME", "EMAIL", "PHONE", "CARD", "ADDRESS"}
    queries = world.events.loc[world.events["event"] == "search", "query_pii"].map(json.loads)
    assert queries.map(bool).any()


def test_bad_simulator_parameters() -> None:
    from helpers.errors import ParameterError

    with pytest.raises(ParameterError, match="n_users"):
        simulate(n_users=0)
    with pytest.raises(ParameterError, match="pii_fraction"):
        simulate(n_users=100, pii_fraction=1.5)


def test_parquet_cache_round_trip(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBOOK_DATA_DIR", str(tmp_path))
    first = load_world(n_users=200, seed=3)
    assert list(tmp_path.glob("world-*/sessions.parquet"))

    def no_simulation(*args, **kwargs):
        raise AssertionError("the second load must read the cache, not simulate again")

    monkeypatch.setattr("helpers.sim.world.simulate", no_simulation)
    second = load_world(n_users=200, seed=3)
    for name in ("catalog", "users", "sessions", "events", "reviews", "features"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name), check_dtype=False)
    dataset = to_dataset(second.sessions[["text", "purchased"]])
    assert dataset.num_rows == len(second.sessions) and dataset.column_names == ["text", "purchased"]


def test_purchase_splits_are_three_user_disjoint_sides() -> None:
    from helpers.purchase_data import purchase_splits

    splits = purchase_splits(load_tokenizer("minilm"), 300, 64, 200, 50, seed=0)
    users = [set(frame["user_id"]) for frame in (splits.train, splits.validation, splits.test)]
    assert not (users[0] & users[1]) and not (users[0] & users[2]) and not (users[1] & users[2])
    assert (len(splits.train), len(splits.validation), len(splits.test)) == (200, 50, 50)
    assert (
        len(splits.validation_data) == 50
        and splits.validation_data.labels.tolist() == splits.validation["purchased"].astype(float).tolist()
    )
    buyers = splits.train["purchased"]
    assert splits.pos_weight == pytest.approx((~buyers).sum() / buyers.sum())


def test_review_sample_has_the_simulated_reviews_columns_and_is_reproducible() -> None:
    from helpers.sim.catalog import make_catalog
    from helpers.sim.reviews import review_sample

    catalog = make_catalog(0)
    first, again = review_sample(catalog, 300, seed=3), review_sample(catalog, 300, seed=3)
    pd.testing.assert_frame_equal(first, again)
    assert len(first) == 300 and first["product_id"].nunique() > 100
    assert set(first["sentiment"]) == {"neg", "neu", "pos"} and (first["session_id"] == -1).all()
    assert not review_sample(catalog, 300, seed=4)["text"].equals(first["text"])


def test_tfidf_reads_one_character_words() -> None:
    from helpers.baselines import tfidf_logistic_regression

    texts = ["viewed x (4.6 stars) for 9 s", "viewed y (2.1 stars) for 8 s"] * 2
    vocabulary = tfidf_logistic_regression(texts, [1, 0, 1, 0])[0].vocabulary_
    assert {"4", "6", "s", "4 6"} <= set(vocabulary)
