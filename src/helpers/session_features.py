"""Hand-engineered session aggregates: the features of the gradient-boosting baseline.

This is what a data scientist would build without a transformer: count what happened in a session
(searches, views, cart adds and removals, coupons, reviews read), how long the shopper looked and at
what prices, then let LightGBM (:func:`helpers.baselines.gradient_boosting`) find the interactions. It is the
honest baseline the BERT predictor must beat on the same split.
"""

from __future__ import annotations

import pandas as pd

from helpers.errors import DataError

EVENTS = ("search", "view", "read_reviews", "add_to_cart", "remove_from_cart", "apply_coupon")


def session_features(events: pd.DataFrame, catalog: pd.DataFrame) -> pd.DataFrame:
    """One row per ``session_id``: event counts, dwell, prices and ratings seen, search intent, last event.

    ``events`` are the simulator's (``helpers.sim.world.World.events``), ``catalog`` its products.
    """
    missing = {"session_id", "event", "product_id", "step", "dwell_s", "has_intent", "query_budget"} - set(
        events
    )
    if missing:
        raise DataError(f"events lack the columns {sorted(missing)}")
    products = catalog.set_index("product_id").reindex(events["product_id"].to_numpy())
    frame = events.assign(
        price=products["price"].to_numpy(), rating=products["avg_rating"].to_numpy()
    ).sort_values(["session_id", "step"])
    counts = pd.crosstab(frame["session_id"], frame["event"]).reindex(columns=list(EVENTS), fill_value=0)
    counts.columns = [f"n_{name}" for name in EVENTS]
    views = frame[frame["event"] == "view"].groupby("session_id")
    grouped = frame.groupby("session_id")
    features = counts.assign(
        n_events=grouped.size(),
        n_products=grouped["product_id"].apply(lambda ids: ids[ids >= 0].nunique()),
        total_dwell_s=grouped["dwell_s"].sum(),
        mean_view_dwell_s=views["dwell_s"].mean(),
        max_view_dwell_s=views["dwell_s"].max(),
        mean_price_viewed=views["price"].mean(),
        min_price_viewed=views["price"].min(),
        max_rating_viewed=views["rating"].max(),
        searched_with_intent=grouped["has_intent"].any().astype(int),
        searched_with_budget=(grouped["query_budget"].max() > 0).astype(int),
        net_cart=lambda f: f["n_add_to_cart"] - f["n_remove_from_cart"],
        last_event=grouped["event"].last().map({name: code for code, name in enumerate(EVENTS)}),
    )
    return features.fillna({"mean_view_dwell_s": 0, "max_view_dwell_s": 0})
