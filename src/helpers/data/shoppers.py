"""The UCI Online Shoppers Purchasing Intention data: 12,330 sessions, checked, typed and written as text.

:func:`load_online_shoppers` reads and checks the CSV; :func:`shopper_session_text` writes one session as
English sentences (TabLLM style) and :func:`shoppers_text_frame` pairs each text with its label
(``Revenue``). A session here is a row of aggregate counts, not a list of events, so its text has a
fixed length (under 400 characters) and is never truncated.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pandas as pd

from helpers.data.files import data_path, plural, read_delimited, require_columns, short_number

SHOPPERS_PAGE_TYPES = ("Administrative", "Informational", "ProductRelated")
SHOPPERS_CODE_COLUMNS = ("OperatingSystems", "Browser", "Region", "TrafficType")
SHOPPERS_COLUMNS = (
    "Administrative",
    "Administrative_Duration",
    "Informational",
    "Informational_Duration",
    "ProductRelated",
    "ProductRelated_Duration",
    "BounceRates",
    "ExitRates",
    "PageValues",
    "SpecialDay",
    "Month",
    *SHOPPERS_CODE_COLUMNS,
    "VisitorType",
    "Weekend",
    "Revenue",
)
MONTH_NAMES = {
    **{name[:3]: name for name in ("January", "February", "March", "April", "May", "June", "July")},
    **{name[:3]: name for name in ("August", "September", "October", "November", "December")},
    "June": "June",
    "July": "July",
    "Sept": "September",
}
MONTH_NAMES_IN_ORDER = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MONTH_NAMES.update({name: name for name in list(MONTH_NAMES.values())})
VISITOR_TYPES = {
    "Returning_Visitor": "returning visitor",
    "New_Visitor": "new visitor",
    "Other": "other visitor",
}
_BOOLEANS = {"TRUE": True, "FALSE": False, "True": True, "False": False, "true": True, "false": False}


def load_online_shoppers(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The UCI Online Shoppers Purchasing Intention CSV (12,330 sessions), checked and typed.

    Page counts and category codes become ``int64``, durations and Google Analytics metrics ``float64``,
    ``Weekend`` and the label ``Revenue`` ``bool``; ``Month`` (``"Feb"``, ``"June"``, ...) and
    ``VisitorType`` stay strings. Counts and durations must be >= 0, ``BounceRates``, ``ExitRates``
    and ``SpecialDay`` within [0, 1], codes >= 1, months and visitor types known, booleans TRUE/FALSE.
    """
    path = data_path(path)
    raw, source = read_delimited(path, ",")
    require_columns(raw, list(SHOPPERS_COLUMNS), path)
    sessions = pd.DataFrame(index=raw.index)
    for column in SHOPPERS_COLUMNS:
        values = raw[column]
        if column in SHOPPERS_PAGE_TYPES:
            sessions[column] = source.ints(values, column, minimum=0)
        elif column in SHOPPERS_CODE_COLUMNS:
            sessions[column] = source.ints(values, column, minimum=1)
        elif column in ("BounceRates", "ExitRates", "SpecialDay"):
            sessions[column] = source.floats(values, column, minimum=0, maximum=1)
        elif column in ("Weekend", "Revenue"):
            sessions[column] = source.choice(values, column, _BOOLEANS).astype(bool)
        elif column == "Month":
            source.choice(values, column, MONTH_NAMES)
            sessions[column] = values.str.strip()
        elif column == "VisitorType":
            source.choice(values, column, VISITOR_TYPES)
            sessions[column] = values.str.strip()
        else:  # durations and PageValues
            sessions[column] = source.floats(values, column, minimum=0)
    return sessions


def shopper_session_text(session: Mapping[str, Any], include_page_value: bool = True) -> str:
    """One session (a row of :func:`load_online_shoppers`) as English, TabLLM style; ``Revenue`` is left out.

    ``include_page_value=False`` leaves out ``PageValues`` too: Google Analytics computes it from the
    purchases that followed a page, so it leaks part of the answer.

    Example: "The visitor viewed 45 product pages for 1,203 seconds, 2 administrative pages for 80 seconds
    and 0 informational pages for 0 seconds. The session was in November on a weekday; returning visitor;
    page value 12.3; bounce rate 0.02; exit rate 0.05; special day 0. Operating system 2, browser 2,
    region 1, traffic type 2."
    """
    pages = [
        f"{plural(session[kind], label)} for {plural(session[f'{kind}_Duration'], 'second')}"
        for kind, label in (
            ("ProductRelated", "product page"),
            ("Administrative", "administrative page"),
            ("Informational", "informational page"),
        )
    ]
    day = "a weekend day" if session["Weekend"] else "a weekday"
    month = MONTH_NAMES[str(session["Month"]).strip()]
    visitor = VISITOR_TYPES[str(session["VisitorType"]).strip()]
    page_value = f"page value {short_number(session['PageValues'], 2)}; " if include_page_value else ""
    bounce, exit_rate = short_number(session["BounceRates"], 4), short_number(session["ExitRates"], 4)
    special = short_number(session["SpecialDay"], 1)
    return (
        f"The visitor viewed {pages[0]}, {pages[1]} and {pages[2]}. "
        f"The session was in {month} on {day}; {visitor}; {page_value}"
        f"bounce rate {bounce}; exit rate {exit_rate}; special day {special}. "
        f"Operating system {session['OperatingSystems']}, browser {session['Browser']}, "
        f"region {session['Region']}, traffic type {session['TrafficType']}."
    )


def shoppers_text_frame(sessions: pd.DataFrame, include_page_value: bool = True) -> pd.DataFrame:
    """``text`` (see :func:`shopper_session_text`) and ``label`` (1 when ``Revenue``) for each session."""
    texts = [shopper_session_text(row, include_page_value) for row in sessions.to_dict("records")]
    return pd.DataFrame(
        {"text": texts, "label": sessions["Revenue"].astype("int64").to_numpy()}, index=sessions.index
    )


def load_online_shoppers_texts(path: str | os.PathLike[str]) -> pd.DataFrame:
    """:func:`load_online_shoppers`, then :func:`shoppers_text_frame`: ``text`` and ``label`` per session."""
    return shoppers_text_frame(load_online_shoppers(path))


def shopper_features(sessions: pd.DataFrame, include_page_value: bool = True) -> pd.DataFrame:
    """The 17 input columns of :func:`load_online_shoppers` as numbers, for LightGBM and logistic regression.

    Counts, durations and rates stay as they are; ``Month`` becomes 1-12 and ``Weekend`` 0/1;
    ``VisitorType`` and the four category codes (operating system, browser, region, traffic type)
    are one-hot encoded, since their numbers are labels, not amounts. ``include_page_value=False``
    drops ``PageValues`` (it leaks part of the answer, see :func:`shopper_session_text`).
    """
    month_number = {name: index for index, name in enumerate(MONTH_NAMES_IN_ORDER, start=1)}
    numeric = [c for c in SHOPPERS_COLUMNS[:10] if include_page_value or c != "PageValues"]
    features = (
        sessions[numeric]
        .astype(float)
        .assign(
            Month=sessions["Month"].str.strip().map(MONTH_NAMES).map(month_number),
            Weekend=sessions["Weekend"].astype(int),
        )
    )
    categories = sessions[["VisitorType", *SHOPPERS_CODE_COLUMNS]].astype(str)
    return features.join(pd.get_dummies(categories, dtype=float))
