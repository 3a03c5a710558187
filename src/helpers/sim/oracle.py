"""The ground-truth purchase probability of a session, computed from its observed events only.

The label of every simulated session is drawn as ``Bernoulli(p)`` with

    logit(p) = INTERCEPT + sum_k WEIGHTS[k] * feature_k(events)

Every feature below is a function of the event log a model sees as text. Several need word
meaning or order, not just word counts, which is what separates a transformer from a bag of words:

==========================  =====================================================================
feature                     meaning (all per session)
==========================  =====================================================================
specific_query              a search names a brand and model ("sony pulse 350 black")
intent_words                a search starts with buy / order / purchase / shop for / get
informational_query         "how to choose ...", "... reviews", "is X worth it"
comparison_no_cart          an "X vs Y" search and nothing left in the cart
gift_query                  "gift for ..."
cart_kept                   a product is still in the cart at the end (adds minus removes)
cart_abandoned              something was added to the cart and later removed, cart empty at end
views_after_cart            product views after the last add-to-cart, capped at 4 (order matters)
over_budget                 the cart product costs more than the "under $B" budget in a query
within_budget               the cart product costs at most that budget
negative_reviews_read       reviews read of a product rated below 3 stars
positive_reviews_read       reviews read of a product rated 4.3 stars or more
coupon_price_sensitive      a coupon applied in a session whose query was about price (budget/deal)
coupon_other                a coupon applied in any other session
brand_match                 the cart product's brand is the brand named in a query
log_cart_dwell              log(seconds spent on views of the cart product / 60)
==========================  =====================================================================

Segments (bargain hunter, brand loyal, researcher, gift shopper, impulse buyer) are latent: a model
never sees them, and neither does the oracle. Their effects reach the purchase probability through
the behaviour that reveals them, as interactions: a coupon matters far more after a price query
(the bargain hunter's signature) than elsewhere, and a cart product of the brand named in the query
(brand loyalty) adds to the odds. Segments also change how often each behaviour occurs, which is why
conversion differs by segment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

INTERCEPT = -3.6
WEIGHTS: dict[str, float] = {
    "specific_query": 0.9,
    "intent_words": 0.8,
    "informational_query": -1.0,
    "comparison_no_cart": -0.6,
    "gift_query": 0.4,
    "cart_kept": 3.0,
    "cart_abandoned": -0.8,
    "views_after_cart": -0.75,
    "over_budget": -2.0,
    "within_budget": 0.7,
    "negative_reviews_read": -2.2,
    "positive_reviews_read": 0.5,
    "coupon_price_sensitive": 1.5,
    "coupon_other": 0.3,
    "brand_match": 0.8,
    "log_cart_dwell": 0.7,
}


def last_add_to_cart(events: pd.DataFrame) -> pd.DataFrame:
    """The last add-to-cart row of each session that has one (rows in event order), indexed by session_id.

    Its ``product_id`` is the session's "cart product" (where the session kept anything, even if that
    product was removed again) and its ``step`` starts ``views_after_cart``.
    """
    adds = events[events["event"] == "add_to_cart"]
    return adds.groupby("session_id").tail(1).set_index("session_id")


def oracle_features(events: pd.DataFrame, catalog: pd.DataFrame) -> pd.DataFrame:
    """One row per session with the features of the module docstring, from the event log alone."""
    ev = events
    sessions = pd.Index(np.unique(ev["session_id"]), name="session_id")

    def any_event(mask: pd.Series) -> pd.Series:
        return mask.groupby(ev["session_id"]).any().reindex(sessions, fill_value=False)

    is_search = ev["event"] == "search"
    features = pd.DataFrame(index=sessions)
    features["specific_query"] = any_event(is_search & (ev["query_kind"] == "specific"))
    features["intent_words"] = any_event(is_search & ev["has_intent"])
    features["informational_query"] = any_event(is_search & (ev["query_kind"] == "informational"))
    comparison = any_event(is_search & (ev["query_kind"] == "comparison"))
    features["gift_query"] = any_event(is_search & (ev["query_kind"] == "gift"))
    price_query = any_event(is_search & ev["query_kind"].isin(["budget", "deal"]))

    # Cart state after the last event: per product, adds minus removes.
    delta = np.select([ev["event"] == "add_to_cart", ev["event"] == "remove_from_cart"], [1, -1], 0)
    net = pd.Series(delta).groupby([ev["session_id"], ev["product_id"]]).sum()
    kept = (net > 0).groupby(level=0).any().reindex(sessions, fill_value=False)
    added = any_event(ev["event"] == "add_to_cart")
    features["cart_kept"] = kept
    features["cart_abandoned"] = added & ~kept
    features["comparison_no_cart"] = comparison & ~kept

    last_add = last_add_to_cart(ev)
    cart_product = last_add["product_id"].where(kept.reindex(last_add.index)).reindex(sessions)
    last_add_step = last_add["step"].reindex(sessions)
    view_after = (ev["event"] == "view") & (ev["step"] > last_add_step.reindex(ev["session_id"]).to_numpy())
    features["views_after_cart"] = np.minimum(
        view_after.groupby(ev["session_id"]).sum().reindex(sessions, fill_value=0), 4
    ).where(kept, 0)

    price = catalog.set_index("product_id")["price"]
    rating = catalog.set_index("product_id")["avg_rating"]
    budgets = (
        ev["query_budget"].where(ev["query_budget"] > 0).groupby(ev["session_id"]).min().reindex(sessions)
    )
    cart_price = price.reindex(cart_product.to_numpy()).to_numpy()
    features["over_budget"] = kept & budgets.notna() & (cart_price > budgets.to_numpy())
    features["within_budget"] = kept & budgets.notna() & (cart_price <= budgets.to_numpy())

    read = ev["event"] == "read_reviews"
    read_rating = rating.reindex(ev["product_id"].to_numpy()).to_numpy()
    features["negative_reviews_read"] = any_event(read & (read_rating < 3.0))
    features["positive_reviews_read"] = any_event(read & (read_rating >= 4.3))
    coupon = any_event(ev["event"] == "apply_coupon")
    features["coupon_price_sensitive"] = coupon & price_query
    features["coupon_other"] = coupon & ~price_query

    brands = catalog.set_index("product_id")["brand"]
    query_brand = (
        ev["query_brand"].where(ev["query_brand"] != "").groupby(ev["session_id"]).first().reindex(sessions)
    )
    features["brand_match"] = kept & (
        brands.reindex(cart_product.to_numpy()).to_numpy() == query_brand.to_numpy()
    )

    cart_views = (ev["event"] == "view") & (
        ev["product_id"].to_numpy() == cart_product.reindex(ev["session_id"]).to_numpy()
    )
    dwell = ev["dwell_s"].where(cart_views, 0).groupby(ev["session_id"]).sum().reindex(sessions, fill_value=0)
    features["log_cart_dwell"] = np.where(kept & (dwell > 0), np.log(np.maximum(dwell, 1) / 60.0), 0.0)
    return features.astype(float)


def oracle_probability(features: pd.DataFrame) -> pd.Series:
    """Purchase probability from the features (the documented logistic model)."""
    logit = INTERCEPT + sum(weight * features[name] for name, weight in WEIGHTS.items())
    return pd.Series(1.0 / (1.0 + np.exp(-logit)), index=features.index, name="oracle_p")
