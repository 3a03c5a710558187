"""An analyst's own shop data for the marketing report (notebook 09): three CSV files, checked row by row.

The schemas (documented with examples in ``data/README.md``; small files in ``data/examples/``):

* **catalog**: ``product_id`` (whole number), ``title``, ``brand``, ``model``, ``category``, ``price``
  (> 0), ``avg_rating`` (1-5); optional ``color`` and ``attributes`` (a JSON object such as
  ``{"battery_hours": 30}``, what generated copy may state).
* **sessions**: one row per event: ``session_id``, ``user_id``, ``step`` (order within the session),
  ``event`` (``search``, ``view``, ``read_reviews``, ``add_to_cart``, ``remove_from_cart``,
  ``apply_coupon``), ``product_id`` (empty for searches and coupons), ``query`` (searches), ``dwell_s``
  (seconds, views); optional per-session ``segment`` and ``purchased`` (0/1). ``session_id`` and
  ``user_id`` are not empty, and ``user_id``, ``segment`` and ``purchased`` are the same on every row
  of a session (a session_id is unique across users). With ``purchased`` the report also measures how
  well the scores rank.
* **reviews**: ``product_id``, ``text``; optional ``rating`` (1-5) and ``user_id`` (the reviewer, counted
  for k-anonymity).

Every problem raises one :class:`~helpers.errors.DataError` naming the file, the line and the column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.behaviour_text import sessions_to_text
from helpers.data.files import Source, data_path, read_delimited, require_columns
from helpers.errors import DataError

EVENTS = ("search", "view", "read_reviews", "add_to_cart", "remove_from_cart", "apply_coupon")
NEEDS_PRODUCT = {"view", "read_reviews", "add_to_cart", "remove_from_cart"}
CATALOG_COLUMNS = ["product_id", "title", "brand", "model", "category", "price", "avg_rating"]
SESSION_COLUMNS = ["session_id", "user_id", "step", "event", "product_id", "query", "dwell_s"]
REVIEW_COLUMNS = ["product_id", "text"]
# Columns that hold one value per session, and what a second value in one session means.
SESSION_LEVEL = {
    "user_id": (
        " (session_id must be unique across users: a log that numbers each user's sessions 1, 2, ... "
        "merges different customers; write the user into it, such as u17-3)"
    ),
    "segment": "",
    "purchased": "",
}


@dataclass
class ReportData:
    """What the report reads: products, the event log, one row per session (with its text), reviews."""

    catalog: pd.DataFrame
    events: pd.DataFrame
    sessions: pd.DataFrame  # session_id, user_id, segment, text, and purchased when known
    reviews: pd.DataFrame  # product_id, category, text (and rating when known)
    source: str


def _read(value: str, parameter: str, columns: list[str]) -> tuple[pd.DataFrame, Source]:
    path = data_path(value, parameter)
    frame, source = read_delimited(path, "\t" if path.suffix.lower() == ".tsv" else ",")
    if frame.empty:
        raise DataError(f"{path}: no data rows (parameter {parameter!r})")
    require_columns(frame, columns, path)
    return frame, source


def read_catalog(value: str, parameter: str = "catalog_path") -> pd.DataFrame:
    """The product catalog file, checked and typed (see the module docstring)."""
    frame, source = _read(value, parameter, CATALOG_COLUMNS)
    frame["product_id"] = source.ints(frame["product_id"], "product_id", minimum=0)
    source.check(frame["product_id"].duplicated(), frame["product_id"], "product_id", "duplicate product_id")
    frame["price"] = source.floats(frame["price"], "price", minimum=0.01)
    frame["avg_rating"] = source.floats(frame["avg_rating"], "avg_rating", minimum=1.0, maximum=5.0)
    for column in ("title", "brand", "model", "category"):
        source.check(frame[column].str.strip() == "", frame[column], column, "empty value")
    frame["color"] = frame["color"] if "color" in frame else ""
    frame["attributes"] = _attributes(
        frame["attributes"] if "attributes" in frame else None, source, len(frame)
    )
    return frame


def _attributes(values: pd.Series | None, source: Source, rows: int) -> list[str]:
    if values is None:
        return ["{}"] * rows
    parsed = []
    for row, text in enumerate(values):
        try:
            value = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as error:
            raise source.error(f"not valid JSON ({error.msg})", row=row, column="attributes") from None
        if not isinstance(value, dict):
            raise source.error(
                'expected a JSON object such as {"battery_hours": 30}', row=row, column="attributes"
            )
        parsed.append(json.dumps(value))
    return parsed


def read_events(value: str, catalog: pd.DataFrame, parameter: str = "sessions_path") -> pd.DataFrame:
    """The event log, checked against the catalog (every product it names must be in it)."""
    frame, source = _read(value, parameter, SESSION_COLUMNS)
    for column in ("session_id", "user_id"):
        source.check(
            frame[column].str.strip() == "", frame[column], column, f"empty value: every row needs a {column}"
        )
    frame["step"] = source.ints(frame["step"], "step", minimum=0)
    frame["event"] = source.choice(frame["event"], "event", {name: name for name in EVENTS})
    needs = frame["event"].isin(NEEDS_PRODUCT).to_numpy()
    has_product = frame["product_id"].str.strip() != ""
    source.check(needs & ~has_product, frame["event"], "product_id", "this event needs a product_id")
    ids = frame["product_id"].where(has_product, "-1")
    frame["product_id"] = source.ints(ids, "product_id", minimum=-1)
    known = frame["product_id"].isin(catalog["product_id"]) | (frame["product_id"] == -1)
    source.check(~known, frame["product_id"], "product_id", "product_id not in the catalog")
    dwell = frame["dwell_s"].where(frame["dwell_s"].str.strip() != "", "0")
    frame["dwell_s"] = source.ints(dwell, "dwell_s", minimum=0)
    searches = frame["event"] == "search"
    source.check(
        searches & (frame["query"].str.strip() == ""), frame["query"], "query", "a search needs a query"
    )
    for column, why in SESSION_LEVEL.items():
        if column in frame:  # the first row that differs from its session's first row
            varies = frame[column] != frame.groupby("session_id")[column].transform("first")
            source.check(varies, frame[column], column, f"differs between rows of one session{why}")
    if "purchased" in frame:
        frame["purchased"] = source.choice(frame["purchased"], "purchased", {"0": 0, "1": 1})
    return frame.sort_values(["session_id", "step"], kind="stable").reset_index(drop=True)


def read_reviews(value: str, catalog: pd.DataFrame, parameter: str = "reviews_path") -> pd.DataFrame:
    """Review texts of catalog products (with their category); ``rating`` is checked when present."""
    frame, source = _read(value, parameter, REVIEW_COLUMNS)
    frame["product_id"] = source.ints(frame["product_id"], "product_id", minimum=0)
    source.check(
        ~frame["product_id"].isin(catalog["product_id"]),
        frame["product_id"],
        "product_id",
        "product_id not in the catalog",
    )
    source.check(frame["text"].str.strip() == "", frame["text"], "text", "empty review")
    if "rating" in frame:
        frame["rating"] = source.floats(frame["rating"], "rating", minimum=1.0, maximum=5.0)
    return frame.merge(catalog[["product_id", "category"]], on="product_id", how="left")


def session_table(
    events: pd.DataFrame, catalog: pd.DataFrame, tokenizer=None, max_length: int | None = None
) -> pd.DataFrame:
    """One row per session: ``session_id``, ``user_id``, ``segment`` ("all" when unknown), ``text``, and
    ``purchased`` when the event log has it."""
    first = events.groupby("session_id", sort=True).first()
    table = pd.DataFrame({"session_id": first.index, "user_id": first["user_id"].to_numpy()})
    table["segment"] = first["segment"].to_numpy() if "segment" in first else "all"
    if "purchased" in first:
        table["purchased"] = first["purchased"].to_numpy(dtype=int)
    texts = sessions_to_text(events, catalog, tokenizer, max_length)
    table["text"] = texts.reindex(table["session_id"]).to_numpy()
    return table


def sample_customers(sessions: pd.DataFrame, max_sessions: int, seed: int = 0) -> pd.DataFrame:
    """Whole customers, each with all their sessions, drawn at random until about ``max_sessions`` sessions.

    Customers are taken in a random order (the same for the same ``seed``) while their sessions add up
    to at most ``max_sessions``; the first customer is always taken, however many sessions they have.
    Every session of a chosen customer is kept, so a customer's likeliest session is never left out, as
    it would be by sampling sessions. Rows keep their order in ``sessions``; the index is reset.
    """
    if max_sessions < 1:
        raise ValueError(f"max_sessions must be >= 1, got {max_sessions}")
    per_user = sessions.groupby("user_id", sort=True).size()
    order = per_user.iloc[np.random.default_rng(seed).permutation(len(per_user))]
    keep = order.index[(order.cumsum() <= max_sessions).to_numpy() | (np.arange(len(order)) == 0)]
    return sessions[sessions["user_id"].isin(keep)].reset_index(drop=True)


def describe_sample(sessions: pd.DataFrame, pool: pd.DataFrame) -> str:
    """How many of ``pool``'s sessions and customers (``user_id``) ``sessions`` holds, as the report says
    it: "1,000 of 1,342 sessions (338 of 450 customers; parameter max_sessions)"."""
    return (
        f"{len(sessions):,} of {len(pool):,} sessions ({sessions['user_id'].nunique():,} of "
        f"{pool['user_id'].nunique():,} customers; parameter max_sessions)"
    )


# Fitting the predictor to a shop's outcomes needs at least this many purchases and as many non-purchases.
MIN_OUTCOMES_TO_FIT = 50


def outcome_counts(sessions: pd.DataFrame) -> tuple[bool, int, bool]:
    """``(has_labels, buyers, enough_to_fit)``: whether ``sessions`` say who bought (a ``purchased``
    column with both purchases and non-purchases: one outcome alone ranks nothing), how many sessions
    did (0 without the column), and whether there are at least :data:`MIN_OUTCOMES_TO_FIT` purchases and
    as many non-purchases to fit the predictor to."""
    buyers = int(sessions["purchased"].sum()) if "purchased" in sessions else 0
    has_labels = "purchased" in sessions and 0 < buyers < len(sessions)
    return has_labels, buyers, has_labels and min(buyers, len(sessions) - buyers) >= MIN_OUTCOMES_TO_FIT


def load_report_files(
    sessions_path: str, catalog_path: str, reviews_path: str = ""
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Catalog, events and reviews (None without ``reviews_path``), checked; fails on the first problem."""
    catalog = read_catalog(catalog_path)
    events = read_events(sessions_path, catalog)
    return catalog, events, read_reviews(reviews_path, catalog) if reviews_path else None


def write_examples(folder: Path, world, n_sessions: int = 40, n_reviews: int = 400, seed: int = 0) -> None:
    """Small example files in the three schemas from a simulated ``world``.

    ``data/examples`` was made by ``write_examples(Path("data/examples"), load_world(3_000, seed=7,
    pii_fraction=0.1))``: another shop than the seed-0 world the course trains on, some texts with fake
    personal data, and enough reviews (with their reviewers) for k-anonymous category × aspect cells.
    """
    rng = np.random.default_rng(seed)
    sessions = world.sessions.sample(n_sessions, random_state=seed)
    events = world.events[world.events["session_id"].isin(sessions["session_id"])].merge(
        sessions[["session_id", "user_id", "segment", "purchased"]], on="session_id"
    )
    events = events.assign(
        purchased=events["purchased"].astype(int),
        product_id=events["product_id"].where(events["product_id"] >= 0).astype("Int64"),
    )
    reviews = world.reviews.sample(n_reviews, random_state=int(rng.integers(1 << 31)))
    products = set(events["product_id"].dropna()) | set(reviews["product_id"])
    catalog = world.catalog[world.catalog["product_id"].isin(products)]
    folder.mkdir(parents=True, exist_ok=True)
    catalog[[*CATALOG_COLUMNS, "color", "attributes"]].to_csv(folder / "catalog.csv", index=False)
    events[[*SESSION_COLUMNS, "segment", "purchased"]].to_csv(folder / "sessions.csv", index=False)
    reviews[["product_id", "text", "rating", "user_id"]].to_csv(folder / "reviews.csv", index=False)


@dataclass(frozen=True)
class ReportParameters:
    """The business parameters of the report, checked (see :func:`check_report_parameters`)."""

    contact_cost: float
    margin: float
    budget: float
    copy_variants: int
    target_segments: tuple[str, ...]


def check_report_parameters(
    contact_cost: float,
    margin: float,
    budget: float,
    copy_variants: int,
    target_segments: str,
    sessions_path: str = "",
    catalog_path: str = "",
    reviews_path: str = "",
) -> ReportParameters:
    """Check the report's parameters without reading any file; raises :class:`ParameterError` naming one."""
    from helpers.errors import ParameterError
    from helpers.params import check_float, check_int, check_str

    if bool(sessions_path) != bool(catalog_path):
        raise ParameterError(
            "parameters 'sessions_path' and 'catalog_path' go together: give both or neither"
        )
    if reviews_path and not sessions_path:
        raise ParameterError(
            "parameter 'reviews_path' needs 'sessions_path' and 'catalog_path' (your own shop)"
        )
    segments = check_str("target_segments", target_segments) if target_segments else ""
    return ReportParameters(
        contact_cost=check_float("contact_cost", contact_cost, minimum=0.0001),
        margin=check_float("margin", margin, minimum=0.0),
        budget=check_float("budget", budget, minimum=0.0),
        copy_variants=check_int("copy_variants", copy_variants, minimum=1, maximum=32),
        target_segments=tuple(s.strip() for s in segments.split(",") if s.strip()),
    )
