"""Behaviour -> text: how a session, or a customer's history, is written for the BERT predictor.

Format (one clause per event, clauses joined by ``". "``)::

    searched "wireless earbuds under $50". viewed Anker Pulse 350 Wireless Earbuds ($39.99, 4.1 stars)
    for 45 s. read reviews of Anker Pulse 350 (4.1 stars). added Anker Pulse 350 to cart.
    removed Anker Pulse 350 from cart. applied a coupon

=================  ==============================================================
event              clause
=================  ==============================================================
search             ``searched "<query>"``
view               ``viewed <title> ($<price>, <rating> stars) for <dwell> s``
read_reviews       ``read reviews of <brand> <model> (<rating> stars)``
add_to_cart        ``added <brand> <model> to cart``
remove_from_cart   ``removed <brand> <model> from cart``
apply_coupon       ``applied a coupon``
=================  ==============================================================

A customer's history joins their sessions in time order with ``[new session, N days later]``.

Truncation is max-length aware: given a tokenizer and ``max_length``, whole clauses are dropped
from the *start* until the text fits (most recent events matter most for a purchase), and the text
then begins with ``"... "`` so a reader can tell something was cut.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEPARATOR = ". "
TRUNCATION_MARK = "..."
TRUNCATION_PREFIX = TRUNCATION_MARK + " "  # what a cut text starts with


def event_clauses(events: pd.DataFrame, catalog: pd.DataFrame) -> pd.Series:
    """One clause per event (same index as ``events``), following the table in the module docstring."""
    products = catalog.set_index("product_id").reindex(events["product_id"].to_numpy())
    title = products["title"].fillna("").to_numpy(dtype=object)
    short = (products["brand"] + " " + products["model"]).fillna("").to_numpy(dtype=object)
    stars = products["avg_rating"].map("{:.1f}".format, na_action="ignore").fillna("").to_numpy(dtype=object)
    price = products["price"].map("{:.2f}".format, na_action="ignore").fillna("").to_numpy(dtype=object)
    event = events["event"].to_numpy()
    clauses = np.select(
        [
            event == "search",
            event == "view",
            event == "read_reviews",
            event == "add_to_cart",
            event == "remove_from_cart",
            event == "apply_coupon",
        ],
        [
            'searched "' + events["query"].to_numpy().astype(object) + '"',
            "viewed "
            + title
            + " ($"
            + price
            + ", "
            + stars
            + " stars) for "
            + events["dwell_s"].astype(str).to_numpy(dtype=object)
            + " s",
            "read reviews of " + short + " (" + stars + " stars)",
            "added " + short + " to cart",
            "removed " + short + " from cart",
            np.full(len(events), "applied a coupon", dtype=object),
        ],
        default="",
    )
    return pd.Series(clauses, index=events.index, name="clause")


def join_recent(
    clauses: pd.Series, groups: np.ndarray, tokenizer=None, max_length: int | None = None
) -> pd.Series:
    """Join clauses per group; with a tokenizer, keep only the most recent clauses that fit ``max_length``.

    ``max_length`` counts the ``[CLS]`` and ``[SEP]`` the tokenizer adds, so ``tokenizer(text,
    max_length=max_length, truncation=True)`` never cuts a text made here.
    """
    groups = np.asarray(groups)
    if tokenizer is not None and max_length is not None:
        lengths = np.array(
            [len(ids) for ids in tokenizer(list(clauses), add_special_tokens=False)["input_ids"]]
        )
        sep_length = len(tokenizer(SEPARATOR.strip(), add_special_tokens=False)["input_ids"])
        mark_length = len(tokenizer(TRUNCATION_MARK, add_special_tokens=False)["input_ids"])
        budget = max_length - tokenizer.num_special_tokens_to_add() - mark_length
        cost = pd.Series(lengths + sep_length)
        from_end = cost[::-1].groupby(groups[::-1]).cumsum()[::-1].to_numpy()
        total = pd.Series(from_end).groupby(groups).transform("max").to_numpy()
        is_last = np.r_[
            groups[1:] != groups[:-1], True
        ]  # the newest clause stays even if it alone is too long
        keep = (from_end <= budget) | (total - sep_length <= budget + mark_length) | is_last
        truncated = pd.Series(~keep).groupby(groups).any()
        clauses, groups = clauses[keep], groups[keep]
    else:
        truncated = None
    text = clauses.groupby(groups).agg(SEPARATOR.join)
    if truncated is not None:
        cut = truncated.reindex(text.index).to_numpy()
        text[cut] = TRUNCATION_PREFIX + text[cut]
    return text


def sessions_to_text(
    events: pd.DataFrame, catalog: pd.DataFrame, tokenizer=None, max_length: int | None = None
) -> pd.Series:
    """The text of every session in ``events``, indexed by ``session_id``."""
    return join_recent(event_clauses(events, catalog), events["session_id"].to_numpy(), tokenizer, max_length)


def history_to_text(
    events: pd.DataFrame,
    sessions: pd.DataFrame,
    catalog: pd.DataFrame,
    tokenizer=None,
    max_length: int | None = None,
) -> pd.Series:
    """A customer's whole history (all their sessions in time order), indexed by ``user_id``."""
    order = sessions.sort_values(["user_id", "start_time"])
    gaps = order.groupby("user_id")["start_time"].diff().dt.days
    marker = pd.DataFrame(
        {
            "session_id": order["session_id"].to_numpy(),
            "clause": np.where(
                gaps.isna(), "", "[new session, " + gaps.fillna(0).astype(int).astype(str) + " days later]"
            ),
            "rank": -1,
        }
    )
    clauses = pd.DataFrame(
        {
            "session_id": events["session_id"].to_numpy(),
            "clause": event_clauses(events, catalog),
            "rank": events["step"].to_numpy(),
        }
    )
    rows = pd.concat([marker[marker["clause"] != ""], clauses], ignore_index=True)
    session_order = pd.Series(np.arange(len(order)), index=order["session_id"].to_numpy())
    rows["order"] = session_order.reindex(rows["session_id"]).to_numpy()
    rows = rows.sort_values(["order", "rank"], kind="stable")
    user = sessions.set_index("session_id")["user_id"].reindex(rows["session_id"]).to_numpy()
    return join_recent(rows["clause"].reset_index(drop=True), user, tokenizer, max_length)
