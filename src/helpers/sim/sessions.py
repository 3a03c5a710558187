"""Users and their shopping sessions, generated with NumPy (no per-event Python loop).

A session is an ordered list of events. Each event *type* has a slot with a position key; a slot
exists in a session or not (a boolean mask), and sorting all slots by (session, position) gives
the event order. Randomness sits in which slots exist, which product each slot shows, and where
the "moving" slots (second search, cart removal) land among the views.

Event types: ``search`` (free-text query), ``view`` (a product, with dwell time), ``read_reviews``,
``add_to_cart``, ``remove_from_cart`` and ``apply_coupon``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEGMENTS = ("bargain_hunter", "brand_loyal", "researcher", "gift_shopper", "impulse_buyer")
SEGMENT_SHARES = (0.25, 0.20, 0.20, 0.15, 0.20)
QUERY_KINDS = ("generic", "specific", "budget", "comparison", "informational", "gift", "deal")
# Rows: segments in SEGMENTS order; columns: QUERY_KINDS.
QUERY_KIND_BY_SEGMENT = np.array(
    [
        [0.25, 0.05, 0.30, 0.05, 0.10, 0.02, 0.23],
        [0.20, 0.45, 0.05, 0.10, 0.10, 0.03, 0.07],
        [0.20, 0.10, 0.05, 0.30, 0.30, 0.02, 0.03],
        [0.25, 0.05, 0.10, 0.05, 0.10, 0.40, 0.05],
        [0.45, 0.20, 0.05, 0.02, 0.05, 0.08, 0.15],
    ]
)
INTENT_RATE = np.array([0.20, 0.35, 0.10, 0.30, 0.40])
MEAN_EXTRA_VIEWS = np.array([3.0, 1.5, 4.0, 2.5, 1.2])
REVIEW_READ_RATE = np.array([0.30, 0.20, 0.70, 0.40, 0.10])
CART_RATE = np.array([0.35, 0.45, 0.25, 0.40, 0.55])
REMOVE_RATE = np.array([0.35, 0.20, 0.35, 0.25, 0.20])
COUPON_RATE = np.array([0.60, 0.10, 0.15, 0.20, 0.15])
MAX_VIEWS = 8
BUDGETS = np.array([25, 50, 75, 100, 150, 200, 300, 400, 500, 700, 1000, 1500, 2000])
RECIPIENTS = ("dad", "mom", "my wife", "my husband", "a teenager", "a runner", "a coworker")
INTENT_PREFIXES = ("buy", "order", "purchase", "shop for", "get")
INFO_TEMPLATES = (
    "how to choose {noun}",
    "what is the best {noun}",
    "{noun} reviews",
    "is {brand} {model} worth it",
)
DEAL_TEMPLATES = ("cheap {noun}", "{noun} deal", "{brand} {noun} sale", "{noun} discount")

# Slot position keys: views sit at 10, 20, ..., the rest lands between or after them.
VIEW_GAP = 10


def make_users(n_users: int, catalog: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Users with a latent segment, a budget multiplier, a favourite category and brand."""
    categories = catalog["category"].unique()
    segment = rng.choice(len(SEGMENTS), size=n_users, p=SEGMENT_SHARES)
    favourite_category = rng.integers(0, len(categories), n_users)
    first_product = catalog.groupby("category", sort=False)["product_id"].min().to_numpy()
    brand_product = first_product[favourite_category] + rng.integers(
        0, catalog.groupby("category").size().min(), n_users
    )
    return pd.DataFrame(
        {
            "user_id": np.arange(n_users),
            "segment": np.array(SEGMENTS)[segment],
            "segment_code": segment,
            "budget_multiplier": rng.lognormal(0.0, 0.4, n_users).round(2),
            "favourite_category": categories[favourite_category],
            "favourite_brand": catalog["brand"].to_numpy()[brand_product],
            "n_sessions": 1 + np.minimum(rng.poisson(2.0, n_users), 6),
        }
    )


def _choose_products(
    catalog: pd.DataFrame, category_code: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A random product of each given category (categories hold equally many products)."""
    per_category = len(catalog) // catalog["category"].nunique()
    return category_code * per_category + rng.integers(0, per_category, len(category_code))


def make_session_plan(users: pd.DataFrame, catalog: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One row per session: who, when, which category and product they focus on, and which events happen."""
    categories = list(catalog["category"].unique())
    user_index = np.repeat(users.index.to_numpy(), users["n_sessions"].to_numpy())
    n = len(user_index)
    segment = users["segment_code"].to_numpy()[user_index]
    favourite = np.array([categories.index(c) for c in users["favourite_category"]])[user_index]
    category = np.where(rng.random(n) < 0.6, favourite, rng.integers(0, len(categories), n))

    cumulative = QUERY_KIND_BY_SEGMENT[segment].cumsum(axis=1)
    query_kind = (rng.random(n)[:, None] > cumulative).sum(axis=1)
    focus = _choose_products(catalog, category, rng)
    # Brand-loyal users focus on their favourite brand when the category has it.
    brand = catalog["brand"].to_numpy()
    loyal_pick = _choose_products(catalog, category, rng)
    fav_brand = users["favourite_brand"].to_numpy()[user_index]
    focus = np.where((segment == 1) & (brand[loyal_pick] == fav_brand), loyal_pick, focus)
    rival = _choose_products(catalog, category, rng)
    rival = np.where(rival == focus, (rival + 1) % len(catalog), rival)

    n_views = 1 + np.minimum(rng.poisson(MEAN_EXTRA_VIEWS[segment]), MAX_VIEWS - 1)
    focus_view = (rng.random(n) * n_views).astype(int)
    price = catalog["price"].to_numpy()
    rating = catalog["avg_rating"].to_numpy()
    budget_target = (
        price[focus] * users["budget_multiplier"].to_numpy()[user_index] * rng.uniform(0.7, 1.4, n)
    )
    budget = BUDGETS[np.abs(np.log(BUDGETS)[None, :] - np.log(budget_target)[:, None]).argmin(axis=1)]

    reads_reviews = rng.random(n) < REVIEW_READ_RATE[segment]
    cart_chance = (
        CART_RATE[segment]
        * np.select([query_kind == 1, query_kind == 4, query_kind == 3], [1.3, 0.4, 0.8], 1.0)
        * np.where(reads_reviews & (rating[focus] < 3.0), 0.5, 1.0)
    )
    adds = rng.random(n) < np.clip(cart_chance, 0, 0.95)
    removes = adds & (rng.random(n) < REMOVE_RATE[segment] + 0.3 * (price[focus] > budget))
    readds = removes & (rng.random(n) < 0.3)
    coupon = rng.random(n) < COUPON_RATE[segment] * np.where(adds, 1.0, 0.2)

    start_day = rng.uniform(0, 60, len(users))[user_index]
    gap = rng.exponential(4.0, n)
    first_of_user = np.r_[True, user_index[1:] != user_index[:-1]]
    cumulative_gap = pd.Series(np.where(first_of_user, 0.0, gap)).groupby(user_index).cumsum().to_numpy()
    start = pd.Timestamp("2026-01-01") + pd.to_timedelta(start_day + cumulative_gap, unit="D")
    return pd.DataFrame(
        {
            "session_id": np.arange(n),
            "user_id": users["user_id"].to_numpy()[user_index],
            "segment": users["segment"].to_numpy()[user_index],
            "start_time": start.round("s"),
            "category_code": category,
            "query_kind": np.array(QUERY_KINDS)[query_kind],
            "has_intent": rng.random(n) < INTENT_RATE[segment],
            "has_search": rng.random(n) < 0.92,
            "refines_search": (rng.random(n) < 0.3) & (n_views >= 2),
            "refine_after_view": (rng.random(n) * np.maximum(n_views - 1, 1)).astype(int),
            "focus_product": focus,
            "rival_product": rival,
            "n_views": n_views,
            "focus_view": focus_view,
            "budget": budget,
            "reads_reviews": reads_reviews,
            "adds_to_cart": adds,
            "removes_from_cart": removes,
            "remove_after_view": focus_view + (rng.random(n) * (n_views - focus_view)).astype(int),
            "readds_other": readds & (rng.random(n) < 0.5) & (n_views >= 2),
            "readds": readds,
            "applies_coupon": coupon,
            "recipient": np.array(RECIPIENTS)[rng.integers(0, len(RECIPIENTS), n)],
            "template": rng.integers(0, 4, n),
        }
    )


def _query(row: dict, focus: dict, rival: dict, refine: bool) -> dict:
    """One search: its text and the fields a reader can parse from it (kind, budget, brand, intent words).

    A refinement (the second search of a session) narrows a vague first query to the focus product.
    """
    kind = row["query_kind"]
    if refine and kind in ("generic", "gift", "informational", "comparison"):
        kind = "specific"
    noun, brand, model, template = focus["noun"], focus["brand"], focus["model"], row["template"]
    if kind == "specific":
        text = f"{brand} {model} {noun} {focus['color']}" if template % 2 else f"{brand} {model}"
    elif kind == "budget":
        text = (
            f"{noun} under ${row['budget']}" if template % 2 else f"best {noun} below {row['budget']} dollars"
        )
    elif kind == "comparison":
        text = f"{brand} {model} vs {rival['brand']} {rival['model']}"
    elif kind == "informational":
        text = INFO_TEMPLATES[template].format(noun=noun, brand=brand, model=model)
    elif kind == "gift":
        text = f"gift for {row['recipient']} {noun}"
    elif kind == "deal":
        text = DEAL_TEMPLATES[template].format(noun=noun, brand=brand)
    else:
        text = noun if template % 2 else f"{noun} {focus['color']}"
    intent = bool(row["has_intent"]) and kind not in ("informational", "comparison")
    if intent:
        text = f"{INTENT_PREFIXES[(row['session_id'] + template) % len(INTENT_PREFIXES)]} {text}"
    names_brand = kind in ("specific", "comparison") or (kind == "deal" and template == 2)
    return {
        "query": text.lower(),
        "query_kind": kind,
        "query_budget": int(row["budget"]) if kind == "budget" else 0,
        "query_brand": brand if names_brand else "",
        "has_intent": intent,
    }


def make_events(plan: pd.DataFrame, catalog: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The ordered event log of every planned session."""
    n = len(plan)
    sid = plan["session_id"].to_numpy()
    n_views = plan["n_views"].to_numpy()
    focus_view = plan["focus_view"].to_numpy()
    focus = plan["focus_product"].to_numpy()
    per_category = len(catalog) // catalog["category"].nunique()
    slots = []

    def slot(mask: np.ndarray, event: str, position: np.ndarray, product: np.ndarray | None = None) -> None:
        product = np.full(n, -1) if product is None else product
        slots.append(
            pd.DataFrame(
                {
                    "session_id": sid[mask],
                    "position": np.broadcast_to(position, n)[mask],
                    "event": event,
                    "product_id": product[mask],
                    "search_index": -1,
                }
            )
        )

    # Views: the focus product at its own index, a compared rival next to it, random products elsewhere.
    rival_view = np.where(focus_view + 1 < n_views, focus_view + 1, focus_view - 1)
    for j in range(MAX_VIEWS):
        shown = plan["category_code"].to_numpy() * per_category + rng.integers(0, per_category, n)
        shown = np.where(j == focus_view, focus, shown)
        is_rival = (plan["query_kind"].to_numpy() == "comparison") & (j == rival_view)
        shown = np.where(is_rival, plan["rival_product"].to_numpy(), shown)
        slot(j < n_views, "view", VIEW_GAP * (j + 1), shown)
    focus_position = VIEW_GAP * (focus_view + 1)
    end = VIEW_GAP * (n_views + 1)
    searches = [
        pd.DataFrame(
            {"session_id": sid, "position": 0, "event": "search", "product_id": -1, "search_index": 0}
        )[plan["has_search"].to_numpy()],
        pd.DataFrame(
            {
                "session_id": sid,
                "position": VIEW_GAP * (plan["refine_after_view"].to_numpy() + 1) + 5,
                "event": "search",
                "product_id": -1,
                "search_index": 1,
            }
        )[plan["refines_search"].to_numpy()],
    ]
    slot(plan["reads_reviews"].to_numpy(), "read_reviews", focus_position + 2, focus)
    adds = plan["adds_to_cart"].to_numpy()
    slot(adds, "add_to_cart", focus_position + 3, focus)
    remove_position = np.where(
        plan["remove_after_view"].to_numpy() > focus_view,
        VIEW_GAP * (plan["remove_after_view"].to_numpy() + 1) + 4,
        focus_position + 4,
    )
    slot(plan["removes_from_cart"].to_numpy(), "remove_from_cart", remove_position, focus)
    last_viewed_other = VIEW_GAP * n_views
    readd_product = np.where(
        plan["readds_other"].to_numpy(), -2, focus
    )  # -2: filled from the last view below
    slot(
        plan["readds"].to_numpy(),
        "add_to_cart",
        np.maximum(remove_position, last_viewed_other) + 6,
        readd_product,
    )
    slot(plan["applies_coupon"].to_numpy(), "apply_coupon", end + 8)

    events = pd.concat(searches + slots, ignore_index=True).sort_values(
        ["session_id", "position"], kind="stable"
    )
    events = events.reset_index(drop=True)
    last_view = events["product_id"].where(events["event"] == "view").groupby(events["session_id"]).ffill()
    events["product_id"] = np.where(events["product_id"] == -2, last_view, events["product_id"]).astype(int)
    events["step"] = events.groupby("session_id").cumcount()
    return _add_queries_and_time(events.drop(columns="position"), plan, catalog, rng)


def _add_queries_and_time(
    events: pd.DataFrame, plan: pd.DataFrame, catalog: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Fill query text for searches, dwell seconds for every event and timestamps."""
    products = catalog.to_dict("records")
    plan_rows = plan.to_dict("records")
    searches = events["event"] == "search"
    parsed = pd.DataFrame(
        [
            _query(
                plan_rows[s],
                products[plan_rows[s]["focus_product"]],
                products[plan_rows[s]["rival_product"]],
                refine=bool(i),
            )
            for s, i in zip(
                events.loc[searches, "session_id"], events.loc[searches, "search_index"], strict=True
            )
        ],
        index=events.index[searches],
        columns=["query", "query_kind", "query_budget", "query_brand", "has_intent"],
    )
    events = events.join(parsed)
    events = events.fillna(
        {"query": "", "query_kind": "", "query_budget": 0, "query_brand": "", "has_intent": False}
    )
    events = events.astype({"query_budget": int, "has_intent": bool})
    is_focus = events["product_id"].to_numpy() == plan["focus_product"].to_numpy()[events["session_id"]]
    base = np.select([events["event"] == "view", events["event"] == "read_reviews"], [25.0, 40.0], 6.0)
    dwell = (
        base
        * rng.lognormal(0.0, 0.7, len(events))
        * np.where(is_focus & (events["event"] == "view"), rng.lognormal(0.5, 0.4, len(events)), 1.0)
    )
    events["dwell_s"] = np.maximum(dwell.round(), 1).astype(int)
    offset = events.groupby("session_id")["dwell_s"].cumsum() - events["dwell_s"]
    events["timestamp"] = plan["start_time"].to_numpy()[events["session_id"]] + pd.to_timedelta(
        offset, unit="s"
    )
    return events.drop(columns="search_index")
