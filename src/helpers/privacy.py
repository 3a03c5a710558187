"""Release controls for customer data: keyed pseudonyms for IDs and k-anonymous aggregate tables.

* :func:`pseudonymise` maps an ID to ``HMAC-SHA256(key, id)``: the same ID always gets the same
  pseudonym under one key (joins across tables still work), and without the key nobody can go back,
  nor test a guess, which a plain hash of a small ID space would allow in a second.
* :func:`k_anonymous_counts` counts distinct users per cell of a table and suppresses every cell with
  fewer than ``k`` of them, before the table is plotted or exported; :func:`k_anonymous_rows` keeps
  only the rows of cells with at least ``k`` users, for any aggregate computed from them afterwards
  (a share of positive reviews, a count of complaints, an example quote).
* :func:`sessions_per_customer` says how many records each customer has: the unit a privacy guarantee
  (or a bootstrap) must count.

Differential privacy, which bounds what a *trained model* reveals, is in :mod:`helpers.dp`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Sequence

import pandas as pd

KEY_VARIABLE = "WORKBOOK_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16


def pseudonym_key(key: str = "", variable: str = KEY_VARIABLE) -> tuple[bytes, str]:
    """The secret key for :func:`pseudonymise` and where it came from (never the key itself, to print).

    ``key`` if given, else the environment variable ``variable``; with neither, a random key for this
    run only, so the pseudonyms change from run to run. A key shorter than 16 bytes is refused (it
    could be guessed).
    """
    if key:
        chosen, source = key, "the parameter"
    elif os.environ.get(variable):
        chosen, source = os.environ[variable], f"the environment variable ${variable}"
    else:
        return secrets.token_bytes(32), f"a random key for this run (set ${variable} for stable pseudonyms)"
    encoded = chosen.encode()
    if len(encoded) < MIN_KEY_BYTES:
        raise ValueError(f"the pseudonym key must have at least {MIN_KEY_BYTES} bytes, got {len(encoded)}")
    return encoded, source


def pseudonymise(ids: Iterable, key: bytes, length: int = 16) -> list[str]:
    """``HMAC-SHA256(key, str(id))`` of every ID as ``length`` hex digits (64 bits by default)."""
    if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
        raise ValueError(f"key must be bytes of length >= {MIN_KEY_BYTES} (see pseudonym_key)")
    if not 8 <= length <= 64:
        raise ValueError(f"length must be between 8 and 64 hex digits, got {length}")
    return [hmac.new(key, str(i).encode(), hashlib.sha256).hexdigest()[:length] for i in ids]


def k_anonymous_counts(
    frame: pd.DataFrame, rows: str, columns: str, user_column: str, k: int
) -> pd.DataFrame:
    """Distinct users per (``rows``, ``columns``) cell, with cells of fewer than ``k`` users set to NaN.

    A cell of 2 users in a published "segment x category" table says something about those 2
    people; suppressing small cells is the simplest guard. (Totals printed beside a table can give a
    suppressed cell back by subtraction: publish the suppressed table, not its margins.)
    """
    _check_cells(frame, [rows, columns, user_column], k)
    counts = frame.groupby([rows, columns])[user_column].nunique().unstack(columns)
    return counts.where(counts >= k).astype(float)


def k_anonymous_rows(frame: pd.DataFrame, cells: Sequence[str], user_column: str, k: int) -> pd.DataFrame:
    """The rows of ``frame`` whose cell (their values of the ``cells`` columns) has at least ``k`` distinct
    users in ``user_column``; the rows of smaller cells are dropped.

    Aggregate what is left (counts, shares, examples) and every published cell speaks for ``k`` people
    or more. Rows whose user is missing count as no user.
    """
    if isinstance(cells, str):
        raise TypeError(f"cells is a list of column names: write [{cells!r}], not {cells!r}")
    _check_cells(frame, [*cells, user_column], k)
    users = frame.groupby(list(cells))[user_column].transform("nunique")
    return frame[users >= k]


def _check_cells(frame: pd.DataFrame, columns: Sequence[str], k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"columns {missing} are not in the table (it has {list(frame.columns)})")


def sessions_per_customer(frame: pd.DataFrame, user_column: str = "user_id") -> str:
    """How ``frame``'s rows (sessions) fall on customers, in words: "1,000 sessions of 426 customers (2.35
    sessions per customer, 72% with 2 or more)"."""
    per_customer = frame.groupby(user_column).size()
    return (
        f"{int(per_customer.sum()):,} sessions of {len(per_customer):,} customers ({per_customer.mean():.2f} "
        f"sessions per customer, {(per_customer >= 2).mean():.0%} with 2 or more)"
    )
