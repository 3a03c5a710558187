"""Loaders for the real data sets: CDNOW purchases, UCI online shoppers, and product reviews.

Every loader checks the file's schema and values and raises one :class:`~helpers.errors.DataError`
naming the file, the line (1-based, as an editor shows it) and the column of the first problem, so a
wrong or damaged file fails at once with a message the analyst can act on.

* :func:`load_cdnow` turns the CDNOW purchase log (shipped inside the ``lifetimes`` package) into one row
  per customer with the BG/NBD calibration summary (frequency, recency, T in weeks), a short English
  purchase history for a BERT model, and the label ``buys_again``.
* :func:`load_online_shoppers` reads the UCI Online Shoppers Purchasing Intention CSV;
  :func:`shoppers_text_frame` writes each session as a sentence (TabLLM style) with its label.
* :func:`load_reviews` reads reviews from CSV, TSV, JSON Lines or ``sentence<TAB>label`` files, with presets
  for Amazon Reviews 2023, the Amazon Alexa reviews and the UCI Sentiment Labelled Sentences, cleans the
  texts and returns a :class:`ReviewReport` of what it dropped.
"""

from __future__ import annotations

import codecs
import csv
import html
import importlib.util
import io
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.errors import DataError
from helpers.paths import resolve_path

# --------------------------------------------------------------------------------------------------------
# Reading and checking: shared by all loaders
# --------------------------------------------------------------------------------------------------------


def _read_text(path: Path, encoding: str = "utf-8") -> str:
    """The file's text (a UTF-8 BOM is dropped); undecodable bytes raise naming their line."""
    if not path.is_file():
        raise FileNotFoundError(f"no data file at {path}")
    data = path.read_bytes()
    if not data.strip():
        raise DataError(f"{path}: the file is empty")
    try:
        return data.decode("utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DataError(
            f"{path}, line {line}: bytes {data[error.start : error.end]!r} are not valid {encoding} "
            f"(byte offset {error.start}); save the file as {encoding}"
        ) from None


@dataclass(frozen=True)
class _Source:
    """A file and the 1-based line number of each of its data rows, for error messages."""

    path: Path
    lines: np.ndarray

    def error(self, problem: str, *, row: int | None = None, column: str | None = None) -> DataError:
        where = str(self.path)
        if row is not None:
            where += f", line {self.lines[row]}"
        if column is not None:
            where += f", column {column!r}"
        return DataError(f"{where}: {problem}")

    def check(self, bad: Any, values: pd.Series, column: str, problem: str) -> None:
        """Raise for the first row where ``bad`` is true, showing its value and how many more rows fail."""
        positions = np.flatnonzero(np.asarray(bad, dtype=bool))
        if positions.size:
            first = int(positions[0])
            more = f" ({positions.size - 1} more rows like this)" if positions.size > 1 else ""
            raise self.error(f"{problem}, got {values.iloc[first]!r}{more}", row=first, column=column)

    def ints(
        self, values: pd.Series, column: str, minimum: int | None = None, maximum: int | None = None
    ) -> pd.Series:
        """Whole numbers written as digits, within [minimum, maximum]."""
        text = values.astype(str).str.strip()
        self.check(text == "", values, column, "empty value, expected a whole number")
        self.check(~text.str.fullmatch(r"[+-]?\d+"), values, column, "expected a whole number")
        numbers = pd.Series(text.astype("int64").to_numpy(), index=values.index)
        self._range(numbers, values, column, minimum, maximum)
        return numbers

    def floats(
        self, values: pd.Series, column: str, minimum: float | None = None, maximum: float | None = None
    ) -> pd.Series:
        """Finite numbers within [minimum, maximum]."""
        if values.dtype == object:
            self.check(
                values.map(lambda v: isinstance(v, bool) or v is None), values, column, "expected a number"
            )
        text = values.astype(str).str.strip()
        self.check(text == "", values, column, "empty value, expected a number")
        numbers = pd.to_numeric(text, errors="coerce").astype("float64")
        self.check(~np.isfinite(numbers.to_numpy()), values, column, "expected a finite number")
        self._range(numbers, values, column, minimum, maximum)
        return numbers

    def _range(self, numbers: pd.Series, values: pd.Series, column: str, minimum: Any, maximum: Any) -> None:
        if minimum is not None:
            self.check(numbers < minimum, values, column, f"value must be >= {minimum}")
        if maximum is not None:
            self.check(numbers > maximum, values, column, f"value must be <= {maximum}")

    def choice(self, values: pd.Series, column: str, allowed: Mapping[str, Any]) -> pd.Series:
        """Map each value through ``allowed``; a value not in it raises, listing the allowed values."""
        text = values.astype(str).str.strip()
        known = ", ".join(dict.fromkeys(map(str, allowed)))
        self.check(~text.isin(list(allowed)), values, column, f"unknown value (allowed: {known})")
        return text.map(allowed)


def _read_delimited(path: Path, delimiter: str, encoding: str = "utf-8") -> tuple[pd.DataFrame, _Source]:
    """A CSV/TSV file with a header row as a frame of strings; quoting as in ``pd.read_csv`` defaults.

    Unlike ``pd.read_csv`` it keeps every cell as written (``"None"`` and ``"NA"`` stay text), knows the
    line each row starts on, and refuses rows with too few or too many fields instead of padding them.
    """
    reader = csv.reader(io.StringIO(_read_text(path, encoding), newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for fields in reader:
            if fields and not (len(fields) == 1 and not fields[0].strip()):  # skip blank lines
                if header is None:
                    header = [name.strip() for name in fields]
                    duplicated = sorted({name for name in header if header.count(name) > 1})
                    if duplicated:
                        raise DataError(f"{path}, line {start}: the header repeats column(s) {duplicated}")
                elif len(fields) != len(header):
                    hint = (
                        "; a field spans lines: unbalanced quote?" if any("\n" in f for f in fields) else ""
                    )
                    raise DataError(
                        f"{path}, line {start}: ragged row with {len(fields)} fields, the header has "
                        f"{len(header)} ({', '.join(header)}){hint}"
                    )
                else:
                    _check_spanning_fields(fields, header, delimiter, path, start)
                    rows.append(fields)
                    lines.append(start)
            start = reader.line_num + 1
    except csv.Error as error:
        raise DataError(f"{path}, line {reader.line_num}: cannot parse the row: {error}") from None
    if header is None:
        raise DataError(f"{path}: the file is empty")
    if not rows:
        raise DataError(f"{path}: the file has a header but no data rows")
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    return frame, _Source(path, np.asarray(lines))


def _check_spanning_fields(
    fields: list[str], header: list[str], delimiter: str, path: Path, line: int
) -> None:
    """In a TSV, a field holding both a tab and a line break is rows swallowed after an unbalanced quote."""
    if delimiter != "\t":
        return
    for name, field in zip(header, fields, strict=True):
        if "\t" in field and ("\n" in field or "\r" in field):
            raise DataError(
                f"{path}, line {line}, column {name!r}: the field runs over several lines and holds tabs; "
                f"an unbalanced double quote? It starts {field[:40]!r}"
            )


def _require_columns(frame: pd.DataFrame, columns: list[str], path: Path) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {', '.join(map(repr, missing))}; "
            f"the file has {', '.join(map(repr, frame.columns))}"
        )


def _plural(count: float, word: str, digits: int = 0) -> str:
    """``count`` and ``word``, in the plural unless the count shows as 1 ("1 CD", "2 CDs", "0 seconds")."""
    text = f"{count:,.{digits}f}"
    return f"{text} {word}" if text == "1" else f"{text} {word}s"


def _short_number(value: float, digits: int) -> str:
    """``value`` with at most ``digits`` decimals and no trailing zeros (12.30 -> "12.3")."""
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --------------------------------------------------------------------------------------------------------
# CDNOW
# --------------------------------------------------------------------------------------------------------

CDNOW_FILES = {"master": "CDNOW_master.txt", "sample": "CDNOW_sample.txt"}
CDNOW_COLUMNS = ("customer_id", "date", "number_of_cds", "dollar_value")
CDNOW_CALIBRATION_END = "1997-09-30"
CDNOW_HOLDOUT_END = "1998-06-30"


def cdnow_path(name: str = "sample") -> Path:
    """Path of ``CDNOW_master.txt`` (``"master"``) or ``CDNOW_sample.txt`` (``"sample"``) in ``lifetimes``.

    The package is found with :func:`importlib.util.find_spec` and not imported: ``lifetimes`` does not
    import under pandas 3, but its data files are fine.
    """
    if name not in CDNOW_FILES:
        raise DataError(f"unknown CDNOW file {name!r}; use {' or '.join(map(repr, CDNOW_FILES))} or a path")
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "package 'lifetimes' is not installed; run `make setup` (it ships the CDNOW files)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / CDNOW_FILES[name]
    if not path.is_file():
        raise FileNotFoundError(f"package 'lifetimes' has no {CDNOW_FILES[name]} (looked at {path})")
    return path


def _cdnow_source(source: str | os.PathLike[str]) -> Path:
    if isinstance(source, str) and source in CDNOW_FILES:
        return cdnow_path(source)
    return resolve_path(source)


def read_cdnow_transactions(source: str | os.PathLike[str] = "sample") -> pd.DataFrame:
    """CDNOW purchase rows: ``customer_id`` (str), ``date``, ``number_of_cds`` (int), ``dollar_value``.

    ``source`` is ``"sample"``, ``"master"`` or a path. Both layouts are read, whitespace-separated:
    the master file (``customer_id date number_of_cds dollar_value``, with or without its header line)
    and the sample file (no header, ``customer_id sample_id date number_of_cds dollar_value``: the master
    file's id, then the sample's own id 0001-2357, also returned as ``sample_id``). One row is one order
    line; a customer can have several on one day.
    """
    path = _cdnow_source(source)
    rows: list[list[str]] = []
    lines: list[int] = []
    width = 0
    for number, line in enumerate(_read_text(path).split("\n"), start=1):
        tokens = line.split()
        if not tokens:
            continue
        if not width:
            if tokens[0].lower() == "customer_id":
                if tokens != list(CDNOW_COLUMNS):
                    raise DataError(f"{path}, line {number}: header {tokens} is not {list(CDNOW_COLUMNS)}")
                width = len(CDNOW_COLUMNS)
                continue
            width = len(tokens)
            if width not in (4, 5):
                raise DataError(
                    f"{path}, line {number}: {width} fields; CDNOW rows have 4 (master: "
                    f"{' '.join(CDNOW_COLUMNS)}) or 5 (sample: customer_id sample_id date number_of_cds "
                    "dollar_value)"
                )
        if len(tokens) != width:
            raise DataError(f"{path}, line {number}: ragged row with {len(tokens)} fields, expected {width}")
        rows.append(tokens)
        lines.append(number)
    if not rows:
        raise DataError(f"{path}: the file has no data rows")
    names = list(CDNOW_COLUMNS) if width == 4 else ["customer_id", "sample_id", *CDNOW_COLUMNS[1:]]
    raw = pd.DataFrame(rows, columns=names, dtype=str)
    source_info = _Source(path, np.asarray(lines))
    for column in names[: width - 3]:
        source_info.check(~raw[column].str.fullmatch(r"\d+"), raw[column], column, "expected a numeric id")
    dates = pd.to_datetime(raw["date"], format="%Y%m%d", errors="coerce")
    bad_date = ~raw["date"].str.fullmatch(r"\d{8}") | dates.isna()
    source_info.check(bad_date, raw["date"], "date", "expected a calendar date written YYYYMMDD")
    ids = {name: raw[name] for name in names[: width - 3]}
    return pd.DataFrame(
        {
            **ids,
            "date": dates,
            "number_of_cds": source_info.ints(raw["number_of_cds"], "number_of_cds", minimum=1),
            "dollar_value": source_info.floats(raw["dollar_value"], "dollar_value", minimum=0),
        }
    )


def load_cdnow(
    source: str | os.PathLike[str] = "sample",
    *,
    calibration_end: str = CDNOW_CALIBRATION_END,
    holdout_end: str = CDNOW_HOLDOUT_END,
    max_history_events: int = 8,
) -> pd.DataFrame:
    """One row per CDNOW customer: the BG/NBD calibration summary, a history text and ``buys_again``.

    The standard split of Fader, Hardie & Lee (2005): the cohort bought first in 1997-Q1; 39 weeks of
    calibration up to ``calibration_end`` (1997-09-30) and 39 weeks of holdout up to ``holdout_end``
    (1998-06-30). A transaction is one customer-day: several order lines of a customer on one day are
    one transaction. Customers whose first purchase falls after ``calibration_end`` are left out.

    Columns: ``customer_id`` (and ``sample_id`` for the sample file), ``first_purchase``, ``frequency``
    (repeat transactions in calibration), ``recency`` (weeks from first to last calibration purchase),
    ``T`` (weeks from first purchase to the end of calibration), ``calibration_cds``,
    ``calibration_spend``, ``monetary_value`` (mean spend of the repeat transactions, 0 without one),
    ``holdout_transactions``, ``holdout_spend``, ``history`` (English text, see
    :func:`cdnow_history_text`) and ``buys_again`` (at least one transaction in the holdout).
    """
    path = _cdnow_source(source)
    transactions = read_cdnow_transactions(path)
    end, last = pd.Timestamp(calibration_end), pd.Timestamp(holdout_end)
    if last <= end:
        raise DataError(
            f"{path}: holdout_end {holdout_end} must come after calibration_end {calibration_end}"
        )
    daily = transactions.groupby(["customer_id", "date"], as_index=False, sort=True).agg(
        number_of_cds=("number_of_cds", "sum"), dollar_value=("dollar_value", "sum")
    )
    calibration = daily[daily["date"] <= end]
    if calibration.empty:
        raise DataError(f"{path}, column 'date': no purchase on or before calibration_end {calibration_end}")
    summary = _cdnow_summary(calibration, daily[(daily["date"] > end) & (daily["date"] <= last)], end)
    summary["history"] = _cdnow_histories(calibration, end, max_history_events)
    summary["buys_again"] = summary["holdout_transactions"] > 0
    if "sample_id" in transactions:
        sample_ids = transactions.groupby("customer_id")["sample_id"].agg(["first", "nunique"])
        if (sample_ids["nunique"] > 1).any():
            customer = sample_ids["nunique"].idxmax()
            raise DataError(f"{path}, column 'sample_id': customer {customer} has several sample ids")
        summary.insert(0, "sample_id", sample_ids["first"])
    return summary.reset_index()


def _cdnow_summary(calibration: pd.DataFrame, holdout: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Per-customer calibration and holdout figures from daily transactions (see :func:`load_cdnow`)."""
    summary = calibration.groupby("customer_id", sort=True).agg(
        first_purchase=("date", "min"),
        last_purchase=("date", "max"),
        transactions=("date", "size"),
        calibration_cds=("number_of_cds", "sum"),
        calibration_spend=("dollar_value", "sum"),
        first_spend=("dollar_value", "first"),
    )
    frequency = summary["transactions"] - 1
    repeat_spend = summary["calibration_spend"] - summary["first_spend"]
    held = holdout.groupby("customer_id").agg(
        holdout_transactions=("date", "size"), holdout_spend=("dollar_value", "sum")
    )
    held = held.reindex(summary.index)
    return pd.DataFrame(
        {
            "first_purchase": summary["first_purchase"],
            "frequency": frequency,
            "recency": (summary["last_purchase"] - summary["first_purchase"]).dt.days / 7,
            "T": (end - summary["first_purchase"]).dt.days / 7,
            "calibration_cds": summary["calibration_cds"],
            "calibration_spend": summary["calibration_spend"],
            "monetary_value": (repeat_spend / frequency.where(frequency > 0)).fillna(0.0),
            "holdout_transactions": held["holdout_transactions"].fillna(0).astype("int64"),
            "holdout_spend": held["holdout_spend"].fillna(0.0),
        }
    )


def _cdnow_histories(calibration: pd.DataFrame, end: pd.Timestamp, max_events: int) -> pd.Series:
    """History texts of the customers in ``calibration`` (daily rows sorted by customer and date)."""
    customers = calibration["customer_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, customers[1:] != customers[:-1]])
    stops = np.r_[starts[1:], len(customers)]
    dates = list(calibration["date"].dt.date)
    cds = calibration["number_of_cds"].tolist()
    dollars = calibration["dollar_value"].tolist()
    texts = {
        customers[a]: cdnow_history_text(
            list(zip(dates[a:b], cds[a:b], dollars[a:b], strict=True)), end.date(), max_events
        )
        for a, b in zip(starts, stops, strict=True)
    }
    return pd.Series(texts, name="history")


def _gap(days: int) -> str:
    return _plural(days, "day") if days < 14 else _plural(round(days / 7), "week")


def cdnow_history_text(
    events: list[tuple[Any, int, float]], calibration_end: Any, max_events: int = 8
) -> str:
    """A customer's calibration purchases as compact English for a BERT model.

    ``events`` are ``(date, number_of_cds, dollars)`` per purchase day, oldest first. With more than
    ``max_events`` purchases the first and the most recent ``max_events - 1`` are written out and the
    ones between are summed up in one sentence. Example::

        Customer first bought on 1997-01-01: 2 CDs for $29.33. Bought again after 17 days: 2 CDs for
        $29.73. Bought again after 28 weeks: 1 CD for $14.96. No purchase in the 8 weeks up to 1997-09-30.
    """
    (first_date, first_cds, first_dollars), *repeats = events
    first = f"{_plural(first_cds, 'CD')} for ${first_dollars:,.2f}"
    sentences = [f"Customer first bought on {first_date:%Y-%m-%d}: {first}."]
    keep = max(max_events - 1, 0)
    if len(repeats) > keep:
        skipped, repeats = repeats[: len(repeats) - keep], repeats[len(repeats) - keep :]
        sentences.append(
            f"Then {_plural(len(skipped), 'more purchase')} ({_plural(sum(e[1] for e in skipped), 'CD')}, "
            f"${sum(e[2] for e in skipped):,.2f}) until {skipped[-1][0]:%Y-%m-%d}."
        )
        previous = skipped[-1][0]
    else:
        previous = first_date
    for date, number, dollars in repeats:
        sentences.append(
            f"Bought again after {_gap((date - previous).days)}: {_plural(number, 'CD')} for ${dollars:,.2f}."
        )
        previous = date
    quiet = (calibration_end - previous).days
    if quiet > 0:
        sentences.append(f"No purchase in the {_gap(quiet)} up to {calibration_end:%Y-%m-%d}.")
    else:
        sentences.append(f"The last purchase was on {calibration_end:%Y-%m-%d}, the end of the period.")
    return " ".join(sentences)


# --------------------------------------------------------------------------------------------------------
# UCI Online Shoppers Purchasing Intention
# --------------------------------------------------------------------------------------------------------

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
    path = resolve_path(path)
    raw, source = _read_delimited(path, ",")
    _require_columns(raw, list(SHOPPERS_COLUMNS), path)
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


def shopper_session_text(session: Mapping[str, Any]) -> str:
    """One session (a row of :func:`load_online_shoppers`) as English, TabLLM style; ``Revenue`` is left out.

    Example: "The visitor viewed 45 product pages for 1,203 seconds, 2 administrative pages for 80 seconds
    and 0 informational pages for 0 seconds. The session was in November on a weekday; returning visitor;
    page value 12.3; bounce rate 0.02; exit rate 0.05; special day 0. Operating system 2, browser 2,
    region 1, traffic type 2."
    """
    pages = [
        f"{_plural(session[kind], label)} for {_plural(session[f'{kind}_Duration'], 'second')}"
        for kind, label in (
            ("ProductRelated", "product page"),
            ("Administrative", "administrative page"),
            ("Informational", "informational page"),
        )
    ]
    day = "a weekend day" if session["Weekend"] else "a weekday"
    month = MONTH_NAMES[str(session["Month"]).strip()]
    visitor = VISITOR_TYPES[str(session["VisitorType"]).strip()]
    page_value = _short_number(session["PageValues"], 2)
    bounce, exit_rate = _short_number(session["BounceRates"], 4), _short_number(session["ExitRates"], 4)
    special = _short_number(session["SpecialDay"], 1)
    return (
        f"The visitor viewed {pages[0]}, {pages[1]} and {pages[2]}. "
        f"The session was in {month} on {day}; {visitor}; page value {page_value}; "
        f"bounce rate {bounce}; exit rate {exit_rate}; special day {special}. "
        f"Operating system {session['OperatingSystems']}, browser {session['Browser']}, "
        f"region {session['Region']}, traffic type {session['TrafficType']}."
    )


def shoppers_text_frame(sessions: pd.DataFrame) -> pd.DataFrame:
    """``text`` (see :func:`shopper_session_text`) and ``label`` (1 when ``Revenue``) for each session."""
    texts = [shopper_session_text(row) for row in sessions.to_dict("records")]
    return pd.DataFrame(
        {"text": texts, "label": sessions["Revenue"].astype("int64").to_numpy()}, index=sessions.index
    )


def load_online_shoppers_texts(path: str | os.PathLike[str]) -> pd.DataFrame:
    """:func:`load_online_shoppers`, then :func:`shoppers_text_frame`: ``text`` and ``label`` per session."""
    return shoppers_text_frame(load_online_shoppers(path))


# --------------------------------------------------------------------------------------------------------
# Reviews
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewPreset:
    """How to read one review data set: file format and which fields hold the text, rating or label."""

    file_format: str
    text_column: str
    title_column: str | None = None
    rating_column: str | None = None
    label_column: str | None = None
    description: str = ""


REVIEW_FORMATS = ("csv", "tsv", "jsonl", "lines")
REVIEW_PRESETS: dict[str, ReviewPreset] = {
    "amazon_2023": ReviewPreset(
        "jsonl",
        "text",
        title_column="title",
        rating_column="rating",
        description="Amazon Reviews 2023 (JSON Lines)",
    ),
    "alexa": ReviewPreset(
        "tsv", "verified_reviews", rating_column="rating", description="Amazon Alexa reviews (TSV)"
    ),
    "uci_sentences": ReviewPreset(
        "lines",
        "sentence",
        label_column="label",
        description="UCI Sentiment Labelled Sentences (sentence<TAB>0/1)",
    ),
}
_SUFFIX_FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".json": "jsonl", ".txt": "lines"}
_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)


@dataclass(frozen=True)
class ReviewReport:
    """What :func:`load_reviews` read, changed and dropped."""

    path: str
    rows_read: int
    empty_dropped: int
    duplicates_dropped: int
    conflicting_duplicates: int
    html_unescaped: int
    rows_kept: int

    def summary(self) -> str:
        return (
            f"{Path(self.path).name}: read {self.rows_read:,} reviews; dropped {self.empty_dropped:,} empty "
            f"and {self.duplicates_dropped:,} duplicate texts ({self.conflicting_duplicates:,} with another "
            f"sentiment than the kept copy); unescaped HTML in {self.html_unescaped:,}; "
            f"kept {self.rows_kept:,}"
        )

    def __str__(self) -> str:
        return self.summary()


def _read_jsonl(path: Path, fields: list[str], encoding: str) -> tuple[pd.DataFrame, _Source]:
    records: dict[str, list[Any]] = {field: [] for field in fields}
    lines: list[int] = []
    for number, line in enumerate(_read_text(path, encoding).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(
                f"{path}, line {number}: invalid JSON ({error.msg} at character {error.pos})"
            ) from None
        if not isinstance(record, dict):
            raise DataError(f"{path}, line {number}: expected a JSON object, got {type(record).__name__}")
        missing = [field for field in fields if field not in record]
        if missing:
            raise DataError(
                f"{path}, line {number}, column {missing[0]!r}: the record has no field {missing[0]!r}"
            )
        for field in fields:
            records[field].append(record[field])
        lines.append(number)
    if not lines:
        raise DataError(f"{path}: the file has no JSON records")
    return pd.DataFrame(records, dtype=object), _Source(path, np.asarray(lines))


def _read_labelled_lines(path: Path, encoding: str) -> tuple[pd.DataFrame, _Source]:
    """``sentence<TAB>label`` lines without header, split on ``\\n`` only and on the line's last tab.

    ``str.splitlines`` would also split on U+0085 and other separators found inside the sentences, and
    quotes are not special (some sentences hold unbalanced ones).
    """
    sentences: list[str] = []
    labels: list[str] = []
    lines: list[int] = []
    for number, line in enumerate(_read_text(path, encoding).split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        sentence, tab, label = line.rpartition("\t")
        if not tab:
            raise DataError(f"{path}, line {number}: ragged row without a tab; expected sentence<TAB>label")
        sentences.append(sentence)
        labels.append(label)
        lines.append(number)
    if not lines:
        raise DataError(f"{path}: the file has no data rows")
    return pd.DataFrame({"sentence": sentences, "label": labels}, dtype=str), _Source(path, np.asarray(lines))


def _texts(raw: pd.DataFrame, source: _Source, text_column: str, title_column: str | None) -> pd.Series:
    """The review texts (title and text joined by ". " when a title column is given)."""
    for column in filter(None, (text_column, title_column)):
        values = raw[column]
        source.check(~values.map(lambda v: isinstance(v, str)), values, column, "expected text")
    text = raw[text_column].astype(str).str.strip()
    if title_column is None:
        return text
    title = raw[title_column].astype(str).str.strip()
    joiner = np.where(title.str.contains(r"[.!?]$"), " ", ". ")
    joined = title + pd.Series(joiner, index=raw.index) + text
    return joined.where((title != "") & (text != ""), title + text)


def _sentiment(
    raw: pd.DataFrame, source: _Source, rating_column: str | None, label_column: str | None
) -> dict[str, pd.Series]:
    """``rating`` and/or ``label`` columns, checked, and the ``sentiment`` derived from them."""
    columns: dict[str, pd.Series] = {}
    if rating_column is not None:
        rating = source.floats(raw[rating_column], rating_column, minimum=1, maximum=5)
        source.check(rating != rating.round(), raw[rating_column], rating_column, "expected whole stars 1-5")
        columns["rating"] = rating.astype("int64")
        columns["sentiment"] = columns["rating"].map({1: "neg", 2: "neg", 3: "neu", 4: "pos", 5: "pos"})
    if label_column is not None:
        columns["label"] = source.choice(raw[label_column], label_column, {"0": 0, "1": 1}).astype("int64")
        columns.setdefault("sentiment", columns["label"].map({0: "neg", 1: "pos"}))
    return columns


def load_reviews(
    path: str | os.PathLike[str],
    preset: str | None = None,
    *,
    file_format: str | None = None,
    text_column: str | None = None,
    title_column: str | None = None,
    rating_column: str | None = None,
    label_column: str | None = None,
    deduplicate: bool = True,
    encoding: str = "utf-8",
) -> tuple[pd.DataFrame, ReviewReport]:
    """Reviews as a frame (``line``, ``text``, ``rating`` and/or ``label``, ``sentiment``) and a report.

    ``preset`` is one of :data:`REVIEW_PRESETS` (``"amazon_2023"``, ``"alexa"``, ``"uci_sentences"``);
    keyword arguments override its settings. Without a preset, ``file_format`` (``csv``, ``tsv``,
    ``jsonl``, ``lines``) is taken from the file suffix and ``text_column`` defaults to ``"text"``.
    ``sentiment`` is ``neg`` for 1-2 stars, ``neu`` for 3, ``pos`` for 4-5; a binary ``label`` maps 0 to
    ``neg`` and 1 to ``pos`` (the rating wins when both are given). ``line`` is the row's line in the file.

    Cleaning: ``<br />`` tags become spaces, HTML entities (``&#34;``) are unescaped, texts are stripped,
    empty texts dropped and, with ``deduplicate``, repeated texts dropped keeping the first. The
    :class:`ReviewReport` counts each of these.
    """
    path = resolve_path(path)
    if preset is not None and preset not in REVIEW_PRESETS:
        raise DataError(f"{path}: unknown review preset {preset!r}; presets are {', '.join(REVIEW_PRESETS)}")
    settings = REVIEW_PRESETS[preset] if preset is not None else ReviewPreset(file_format or "", "text")
    file_format = file_format or settings.file_format or _SUFFIX_FORMATS.get(path.suffix.lower(), "")
    if file_format not in REVIEW_FORMATS:
        raise DataError(
            f"{path}: unknown review file format {file_format!r}; use one of {', '.join(REVIEW_FORMATS)}"
        )
    text_column = text_column or settings.text_column
    title_column = title_column or settings.title_column
    rating_column = rating_column or settings.rating_column
    label_column = label_column or settings.label_column
    if file_format == "lines":  # sentence<TAB>label: the columns are fixed
        text_column, label_column, rating_column, title_column = "sentence", "label", None, None
    if rating_column is None and label_column is None:
        raise DataError(
            f"{path}: give a rating_column or a label_column (or a preset) to derive the sentiment"
        )

    if file_format == "lines":
        raw, source = _read_labelled_lines(path, encoding)
    else:
        fields = [column for column in (text_column, title_column, rating_column, label_column) if column]
        if file_format == "jsonl":
            raw, source = _read_jsonl(path, list(dict.fromkeys(fields)), encoding)
        else:
            raw, source = _read_delimited(path, "," if file_format == "csv" else "\t", encoding)
            _require_columns(raw, fields, path)

    text = _texts(raw, source, text_column, title_column)
    cleaned = text.str.replace(_BREAK_TAG, " ", regex=True).map(html.unescape).str.strip()
    frame = pd.DataFrame(
        {"line": source.lines, "text": cleaned, **_sentiment(raw, source, rating_column, label_column)},
        index=raw.index,
    )
    empty = (frame["text"] == "").to_numpy()
    frame = frame[~empty]
    duplicated = (
        frame["text"].duplicated(keep="first") if deduplicate else pd.Series(False, index=frame.index)
    )
    kept_sentiment = frame.groupby("text")["sentiment"].transform("first")
    conflicting = int((duplicated & (frame["sentiment"] != kept_sentiment)).sum())
    frame = frame[~duplicated].reset_index(drop=True)
    report = ReviewReport(
        path=str(path),
        rows_read=len(raw),
        empty_dropped=int(empty.sum()),
        duplicates_dropped=int(duplicated.sum()),
        conflicting_duplicates=conflicting,
        html_unescaped=int((cleaned != text).sum()),
        rows_kept=len(frame),
    )
    return frame, report
