"""The simulated world in one call, cached as Parquet under :func:`helpers.paths.data_dir`.

>>> world = load_world(n_users=500, seed=0)          # doctest: +SKIP
>>> world.sessions[["text", "oracle_p", "purchased"]].head()  # doctest: +SKIP

``sessions.oracle_p`` is the true purchase probability of each session (see
:mod:`helpers.sim.oracle`); ``sessions.purchased`` is the label drawn from it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.behaviour_text import sessions_to_text
from helpers.params import check_float, check_int
from helpers.paths import data_dir
from helpers.sim.catalog import make_catalog
from helpers.sim.oracle import oracle_features, oracle_probability
from helpers.sim.pii import inject_pii
from helpers.sim.reviews import make_reviews
from helpers.sim.sessions import make_events, make_session_plan, make_users

SIMULATOR_VERSION = 1  # bump when the generator changes, so stale caches are not reused
REVIEW_RATE = 0.5


@dataclass
class World:
    """All tables of one simulation run."""

    catalog: pd.DataFrame
    users: pd.DataFrame
    sessions: pd.DataFrame
    events: pd.DataFrame
    reviews: pd.DataFrame
    features: pd.DataFrame


def simulate(n_users: int = 3_000, seed: int = 0, pii_fraction: float = 0.0) -> World:
    """Generate catalog, users, sessions (with oracle probability and label), events and reviews."""
    check_int("n_users", n_users, minimum=10)
    check_int("seed", seed, minimum=0)
    check_float("pii_fraction", pii_fraction, minimum=0.0, maximum=1.0)
    rng = np.random.default_rng(seed)
    catalog = make_catalog(seed)
    users = make_users(n_users, catalog, rng)
    plan = make_session_plan(users, catalog, rng)
    events = make_events(plan, catalog, rng)
    if pii_fraction > 0:
        searches = events["event"] == "search"
        events.loc[searches, "query"], events.loc[searches, "query_pii"] = inject_pii(
            events.loc[searches, "query"], pii_fraction, rng
        )
        events["query_pii"] = events["query_pii"].fillna("[]")
    features = oracle_features(events, catalog)
    oracle_p = oracle_probability(features).to_numpy()
    purchased = rng.random(len(plan)) < oracle_p

    last_add = events[events["event"] == "add_to_cart"].groupby("session_id")["product_id"].last()
    purchased_product = (
        last_add.reindex(plan["session_id"]).fillna(plan["focus_product"]).astype(int).to_numpy()
    )
    sessions = pd.DataFrame(
        {
            "session_id": plan["session_id"],
            "user_id": plan["user_id"],
            "segment": plan["segment"],
            "start_time": plan["start_time"],
            "category": catalog["category"].to_numpy()[plan["focus_product"]],
            "first_query_kind": np.where(plan["has_search"], plan["query_kind"], "none"),
            "n_events": events.groupby("session_id").size().reindex(plan["session_id"]).to_numpy(),
            "text": sessions_to_text(events, catalog).reindex(plan["session_id"]).to_numpy(),
            "oracle_p": oracle_p,
            "purchased": purchased,
            "purchased_product": np.where(purchased, purchased_product, -1),
        }
    )
    buyers = sessions[purchased & (rng.random(len(sessions)) < REVIEW_RATE)]
    reviews = make_reviews(buyers.rename(columns={"purchased_product": "product_id"}), catalog, rng)
    if pii_fraction > 0:
        reviews["text"], reviews["pii_spans"] = inject_pii(reviews["text"], pii_fraction, rng)
    return World(catalog, users, sessions, events, reviews, features.reset_index())


def _cache_folder(n_users: int, seed: int, pii_fraction: float) -> Path:
    return data_dir() / f"world-v{SIMULATOR_VERSION}-u{n_users}-s{seed}-pii{pii_fraction:g}"


def load_world(n_users: int = 3_000, seed: int = 0, pii_fraction: float = 0.0, cache: bool = True) -> World:
    """:func:`simulate`, read from the Parquet cache when the same arguments were generated before."""
    folder = _cache_folder(n_users, seed, pii_fraction)
    names = [f.name for f in fields(World)]
    if cache and all((folder / f"{name}.parquet").exists() for name in names):
        return World(*(pd.read_parquet(folder / f"{name}.parquet") for name in names))
    world = simulate(n_users, seed, pii_fraction)
    if cache:
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            tmp = (
                folder / f"{name}.parquet.{os.getpid()}.tmp"
            )  # several processes may build the cache at once
            getattr(world, name).to_parquet(tmp, index=False)
            tmp.replace(folder / f"{name}.parquet")
    return world


def split_by_user(
    sessions: pd.DataFrame, test_fraction: float = 0.3, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train/test split with every user on one side only, so a model cannot memorise a user."""
    check_float("test_fraction", test_fraction, minimum=0.01, maximum=0.99)
    users = np.sort(sessions["user_id"].unique())
    test_users = np.random.default_rng(seed).permutation(users)[: int(round(len(users) * test_fraction))]
    is_test = sessions["user_id"].isin(test_users).to_numpy()
    return sessions[~is_test].reset_index(drop=True), sessions[is_test].reset_index(drop=True)


def to_dataset(frame: pd.DataFrame):
    """A Hugging Face ``datasets.Dataset`` view of a table (e.g. sessions with ``text`` and ``purchased``)."""
    import datasets

    return datasets.Dataset.from_pandas(frame, preserve_index=False)
