"""Session aggregates for the LightGBM baseline, the three-way split and the LP-FT helper's contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lightgbm import LGBMClassifier

from helpers.baselines import gradient_boosting
from helpers.errors import DataError
from helpers.session_features import session_features

CATALOG = pd.DataFrame({"product_id": [1, 2], "price": [10.0, 30.0], "avg_rating": [4.0, 5.0]})


def events() -> pd.DataFrame:
    rows = [  # session 7: search, view 1, view 2, add 2, remove 2, coupon; session 8: one view
        (7, "search", -1, 0, 3, True, 50),
        (7, "view", 1, 1, 20, False, 0),
        (7, "view", 2, 2, 40, False, 0),
        (7, "add_to_cart", 2, 3, 2, False, 0),
        (7, "remove_from_cart", 2, 4, 1, False, 0),
        (7, "apply_coupon", -1, 5, 1, False, 0),
        (8, "view", 1, 0, 5, False, 0),
    ]
    columns = ["session_id", "event", "product_id", "step", "dwell_s", "has_intent", "query_budget"]
    return pd.DataFrame(rows, columns=columns)


def test_session_features_by_hand() -> None:
    features = session_features(events(), CATALOG)
    first = features.loc[7]
    counts = ["n_search", "n_view", "n_add_to_cart", "n_remove_from_cart", "n_events", "n_products"]
    assert first[counts].tolist() == [1, 2, 1, 1, 6, 2] and first["net_cart"] == 0
    assert first[["total_dwell_s", "mean_view_dwell_s", "max_view_dwell_s"]].tolist() == [67, 30, 40]
    assert first[["mean_price_viewed", "min_price_viewed", "max_rating_viewed"]].tolist() == [20, 10, 5]
    assert first["searched_with_intent"] == 1 and first["searched_with_budget"] == 1
    assert first["last_event"] == 5  # apply_coupon, the last of the six event kinds
    assert features.loc[8, "n_search"] == 0 and features.loc[8, "searched_with_intent"] == 0


def test_session_features_need_the_event_columns() -> None:
    with pytest.raises(DataError, match="dwell_s"):
        session_features(events().drop(columns="dwell_s"), CATALOG)


def test_gradient_boosting_learns_a_simple_rule() -> None:
    rng = np.random.default_rng(0)
    features = pd.DataFrame({"x": rng.normal(size=2000), "noise": rng.normal(size=2000)})
    labels = (features["x"] + 0.3 * rng.normal(size=2000)) > 0.5
    model = gradient_boosting(features, labels, seed=0)
    predicted = model.predict_proba(features)[:, 1]
    assert predicted[labels].mean() > predicted[~labels].mean() + 0.5


def test_gradient_boosting_stops_early_then_refits_on_every_row() -> None:
    rng = np.random.default_rng(1)
    features = pd.DataFrame({"x": rng.normal(size=600), "noise": rng.normal(size=600)})
    labels = (features["x"] + rng.normal(size=600)) > 0
    customers = np.arange(600) // 3
    model = gradient_boosting(features, labels, seed=0, groups=customers)
    assert 1 <= model.n_estimators < 1000  # early stopping chose the number of trees
    assert model.booster_.num_trees() == model.n_estimators  # the refit grew exactly that many
    # The refit saw every row: the same settings fitted on all 600 rows predict exactly the same.
    on_all_rows = LGBMClassifier(**model.get_params()).fit(features, labels.astype(int))
    np.testing.assert_array_equal(model.predict_proba(features), on_all_rows.predict_proba(features))
    on_fewer_rows = LGBMClassifier(**model.get_params()).fit(features[:480], labels[:480].astype(int))
    assert not np.array_equal(model.predict_proba(features), on_fewer_rows.predict_proba(features))


def test_gradient_boosting_takes_customers_with_missing_ids() -> None:
    rng = np.random.default_rng(2)
    features = pd.DataFrame({"x": rng.normal(size=300)})
    labels = (features["x"] + rng.normal(size=300)) > 0
    # every tenth customer id missing: np.unique could not sort None beside the strings
    customers = np.array([f"c{i // 3}" if i % 10 else None for i in range(300)], dtype=object)
    model = gradient_boosting(features, labels, seed=0, groups=customers)
    assert 1 <= model.n_estimators < 1000
