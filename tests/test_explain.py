"""Attributions (integrated gradients, occlusion, attention rollout) and the simulator's true drivers."""

import numpy as np
import pandas as pd
import pytest
import torch

from helpers.behaviour_text import sessions_to_text
from helpers.explain import (
    attention_rollout,
    driver_events,
    driver_hit_rate,
    event_scores,
    event_spans,
    integrated_gradients,
    occlusion_scores,
)
from helpers.sim.oracle import INTERCEPT, WEIGHTS, oracle_features
from helpers.sim.world import simulate
from tiny_models import tiny_predictor, tiny_tokenizer


@pytest.fixture(scope="module")
def world():
    return simulate(n_users=80, seed=4)


@pytest.fixture(scope="module")
def drivers(world):
    return world.events.assign(driver=driver_events(world.events, world.catalog).to_numpy())


def _logit(model, tokenizer, text):
    encoded = tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        return float(model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"]))


def test_sessions_whose_oracle_is_the_intercept_have_no_drivers(drivers, world):
    features = oracle_features(world.events, world.catalog)
    logit = INTERCEPT + sum(w * features[name] for name, w in WEIGHTS.items())
    quiet = logit.index[np.isclose(logit, INTERCEPT) & (features != 0).sum(axis=1).eq(0)]
    assert len(quiet) > 0
    assert not drivers[drivers["session_id"].isin(quiet)]["driver"].any()


def test_every_session_with_an_active_term_has_a_driver(drivers, world):
    active = (oracle_features(world.events, world.catalog) != 0).any(axis=1)
    with_driver = drivers.groupby("session_id")["driver"].any()
    assert with_driver[active[active].index].all()


def test_known_drivers_and_non_drivers(drivers, world):
    rating = world.catalog.set_index("product_id")["avg_rating"]
    reads = drivers[drivers["event"] == "read_reviews"]
    middling = reads[rating.reindex(reads["product_id"]).between(3.0, 4.29).to_numpy()]
    assert len(middling) > 0 and not middling["driver"].any()  # a 3-4.3 star product feeds no term
    coupons = drivers[drivers["event"] == "apply_coupon"]
    assert len(coupons) > 0 and coupons["driver"].all()  # a coupon always feeds one of the two coupon terms


def test_event_spans_rebuild_the_session_text(drivers, world):
    texts = sessions_to_text(world.events, world.catalog)
    for session_id, session in list(drivers.groupby("session_id"))[:20]:
        text, spans = event_spans(session, world.catalog)
        assert text == texts[session_id] and len(spans) == len(session)
        assert text[spans[0][0] : spans[0][1]].split(" ")[0] in {
            "searched",
            "viewed",
            "read",
            "added",
            "removed",
            "applied",
        }


def test_integrated_gradients_are_complete():
    model, tokenizer = tiny_predictor(pooling="mean", dropout=0.0), tiny_tokenizer()
    text = "searched phone buy cart"
    scores, offsets, delta, change = integrated_gradients(model, tokenizer, text, n_steps=64)
    baseline_text = " ".join(["[PAD]"] * 4)
    difference = _logit(model, tokenizer, text) - _logit(model, tokenizer, baseline_text)
    assert change == pytest.approx(difference, abs=1e-5)  # f(x) - f(baseline), as returned
    assert len(scores) == len(offsets) == 6 and offsets[0] == (0, 0)
    assert scores.sum() == pytest.approx(difference, abs=max(delta, 1e-4) + 1e-4)
    assert abs(scores.sum() - change) == pytest.approx(delta, abs=1e-4)  # the delta is that gap
    assert delta < 0.05


def test_occlusion_scores_are_logit_drops():
    model, tokenizer = tiny_predictor(pooling="mean", dropout=0.0), tiny_tokenizer()
    text = "searched phone. buy cart. viewed laptop"
    spans = [(0, 14), (16, 24), (26, 39)]
    scores = occlusion_scores(model, tokenizer, text, spans)
    full = _logit(model, tokenizer, text)
    assert scores[1] == pytest.approx(
        full - _logit(model, tokenizer, "searched phone. viewed laptop"), abs=1e-5
    )
    assert scores.shape == (3,)


def test_attention_rollout_is_a_distribution_and_restores_the_kernel():
    model, tokenizer = tiny_predictor(pooling="mean", dropout=0.0), tiny_tokenizer()
    before = model.encoder.config._attn_implementation
    scores, offsets = attention_rollout(model, tokenizer, "buy phone cart")
    assert scores.sum() == pytest.approx(1.0, abs=1e-5) and (scores >= 0).all()
    assert model.encoder.config._attn_implementation == before


def test_event_scores_sum_the_tokens_of_each_clause():
    offsets = [(0, 0), (0, 3), (4, 9), (9, 10), (11, 17), (0, 0)]
    scores = np.array([9.0, 1.0, 2.0, 5.0, 3.0, 9.0])
    np.testing.assert_allclose(event_scores(scores, offsets, [(0, 9), (11, 17)]), [3.0, 3.0])


def test_driver_hit_rate():
    drivers = np.array([True, False, False, True])
    assert driver_hit_rate([5, -4, 1, 0.5], drivers) == 0.5  # top 2 by |score|: events 0 and 1
    assert driver_hit_rate([5, 0, 1, -6], drivers) == 1.0
    assert driver_hit_rate([5, -4, 1, 0.5], drivers, k=1) == 1.0
    with pytest.raises(ValueError, match="driver"):
        driver_hit_rate([1, 2], [False, False])


def _cart_sessions() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three sessions whose views all come before their adds (so no view feeds ``views_after_cart``):
    1: two products kept, the later-added one with the smaller id; 2: the last-added product removed,
    another kept; 3: one product viewed and kept (the simulator's usual case)."""
    rows = [  # session, event, product, dwell
        (1, "view", 5, 100), (1, "view", 3, 200), (1, "add_to_cart", 5, 0), (1, "add_to_cart", 3, 0),
        (2, "view", 7, 90), (2, "view", 9, 150), (2, "add_to_cart", 7, 0), (2, "add_to_cart", 9, 0),
        (2, "remove_from_cart", 9, 0),
        (3, "view", 4, 120), (3, "view", 6, 80), (3, "add_to_cart", 4, 0),
    ]  # fmt: skip
    events = pd.DataFrame(rows, columns=["session_id", "event", "product_id", "dwell_s"])
    events["step"] = events.groupby("session_id").cumcount()
    events = events.assign(query="", query_kind="", query_budget=0, query_brand="", has_intent=False)
    catalog = pd.DataFrame(
        {"product_id": range(10), "brand": "acme", "price": 50.0, "avg_rating": 3.5, "category": "blenders"}
    )
    return events, catalog


def test_the_cart_product_views_are_the_ones_whose_dwell_moves_the_oracle():
    events, catalog = _cart_sessions()
    driver = driver_events(events, catalog).to_numpy()
    views = np.flatnonzero(events["event"].to_numpy() == "view")
    base = oracle_features(events, catalog)["log_cart_dwell"]
    moves = []
    for row in views:  # one view's dwell longer: does the oracle's log_cart_dwell term change?
        longer = events.copy()
        longer.loc[row, "dwell_s"] += 30
        session = events.loc[row, "session_id"]
        moves.append(oracle_features(longer, catalog)["log_cart_dwell"][session] != base[session])
    assert list(driver[views]) == moves
    # The views of the last product added: 3 (not 5, the larger id), 9 (removed, yet the oracle's), 4.
    assert list(events.loc[views[driver[views]], "product_id"]) == [3, 9, 4]
