"""The CDNOW purchase log: one row per customer with the BG/NBD summary, a history text and ``buys_again``.

The files ``CDNOW_master.txt`` (23,570 customers) and ``CDNOW_sample.txt`` (2,357) ship inside the
``lifetimes`` package; :func:`cdnow_path` finds them without importing it. :func:`read_cdnow_transactions`
reads either layout and checks every row; :func:`load_cdnow` makes the standard calibration/holdout
split of Fader, Hardie & Lee (2005) and writes each customer's calibration purchases as English
(:func:`cdnow_history_text`), truncated like the simulated sessions by
:func:`helpers.behaviour_text.join_recent`: given a tokenizer and ``max_length``, the oldest clauses go
first, so the most recent purchases stay.

The data's window is :data:`CDNOW_FIRST_DAY` (the cohort bought first in 1997-Q1) to
:data:`CDNOW_LAST_DAY` (the files end on 1998-06-30). A date before the window is a
:class:`~helpers.errors.DataError`; lines after ``holdout_end`` and customers whose first purchase falls
after ``calibration_end`` are left out, counted in a :class:`CdnowReport` (``frame.attrs["report"]``) and
announced with a warning. Exact duplicate lines are summed into their day like any two order lines of
one day, and counted in the report.
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.behaviour_text import join_recent
from helpers.data.files import Source, data_path, plural, read_text
from helpers.errors import DataError, ParameterError
from helpers.params import check_int, quote

CDNOW_FILES = {"master": "CDNOW_master.txt", "sample": "CDNOW_sample.txt"}
CDNOW_COLUMNS = ("customer_id", "date", "number_of_cds", "dollar_value")
CDNOW_FIRST_DAY = "1997-01-01"  # the cohort's first purchases are in 1997-Q1
CDNOW_LAST_DAY = "1998-06-30"  # the last day in the files
CDNOW_CALIBRATION_END = "1997-09-30"
CDNOW_HOLDOUT_END = CDNOW_LAST_DAY
MIN_HISTORY_LENGTH = 8  # [CLS], [SEP], the "..." mark and a clause or two: less cannot hold a history


@dataclass(frozen=True)
class CdnowReport:
    """What :func:`load_cdnow` read, summed and left out (``frame.attrs["report"]``)."""

    path: str
    lines_read: int
    duplicate_lines: int  # exact repeats of an earlier line, summed into their day
    lines_after_holdout: int  # after holdout_end: left out
    customers_left_out: int  # first purchase after calibration_end: not in the cohort
    customers_kept: int

    def summary(self) -> str:
        """One line: the file name and each count."""
        return (
            f"{Path(self.path).name}: read {plural(self.lines_read, 'order line')} "
            f"({plural(self.duplicate_lines, 'exact duplicate')}, summed into their day); left out "
            f"{plural(self.lines_after_holdout, 'line')} after holdout_end and "
            f"{plural(self.customers_left_out, 'customer')} who first bought after calibration_end; "
            f"kept {plural(self.customers_kept, 'customer')}"
        )

    def __str__(self) -> str:
        """The :meth:`summary`."""
        return self.summary()


def cdnow_path(name: str = "sample") -> Path:
    """Path of ``CDNOW_master.txt`` (``"master"``) or ``CDNOW_sample.txt`` (``"sample"``) in ``lifetimes``.

    The package is found with :func:`importlib.util.find_spec` and not imported: ``lifetimes`` does not
    import under pandas 3, but its data files are fine.
    """
    if not isinstance(name, str) or name not in CDNOW_FILES:
        raise DataError(
            f"unknown CDNOW file {quote(name)}; use {' or '.join(map(repr, CDNOW_FILES))} or a path"
        )
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
    """The file for ``"sample"``, ``"master"`` or a path."""
    if isinstance(source, str) and source in CDNOW_FILES:
        return cdnow_path(source)
    return data_path(source, "source")


def _read_cdnow_rows(path: Path) -> tuple[list[list[str]], list[int], int]:
    """The whitespace-separated fields of each data row, the row's line and the layout's width (4 or 5)."""
    rows: list[list[str]] = []
    lines: list[int] = []
    width = 0
    for number, line in enumerate(read_text(path).split("\n"), start=1):
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
    return rows, lines, width


def read_cdnow_transactions(source: str | os.PathLike[str] = "sample") -> pd.DataFrame:
    """CDNOW purchase rows: ``customer_id`` (str), ``date``, ``number_of_cds`` (int), ``dollar_value``.

    ``source`` is ``"sample"``, ``"master"`` or a path. Both layouts are read, whitespace-separated:
    the master file (``customer_id date number_of_cds dollar_value``, with or without its header line)
    and the sample file (no header, ``customer_id sample_id date number_of_cds dollar_value``: the master
    file's id, then the sample's own id 0001-2357, also returned as ``sample_id``). One row is one order
    line; a customer can have several on one day.
    """
    path = _cdnow_source(source)
    rows, lines, width = _read_cdnow_rows(path)
    names = list(CDNOW_COLUMNS) if width == 4 else ["customer_id", "sample_id", *CDNOW_COLUMNS[1:]]
    raw = pd.DataFrame(rows, columns=names, dtype=str)
    source_info = Source(path, np.asarray(lines))
    for column in names[: width - 3]:
        source_info.check(~raw[column].str.fullmatch(r"[0-9]+"), raw[column], column, "expected a numeric id")
    dates = pd.to_datetime(raw["date"], format="%Y%m%d", errors="coerce")
    bad_date = ~raw["date"].str.fullmatch(r"[0-9]{8}") | dates.isna()
    source_info.check(bad_date, raw["date"], "date", "expected a calendar date written YYYYMMDD")
    source_info.check(
        dates < pd.Timestamp(CDNOW_FIRST_DAY),
        raw["date"],
        "date",
        f"before {CDNOW_FIRST_DAY}, the first day of the CDNOW data (the cohort first bought in 1997-Q1)",
    )
    ids = {name: raw[name] for name in names[: width - 3]}
    return pd.DataFrame(
        {
            **ids,
            "date": dates,
            "number_of_cds": source_info.ints(raw["number_of_cds"], "number_of_cds", minimum=1),
            "dollar_value": source_info.floats(raw["dollar_value"], "dollar_value", minimum=0),
        }
    )


def _check_day(name: str, value: Any) -> pd.Timestamp:
    """A date parameter (``"YYYY-MM-DD"``, a ``date`` or a ``Timestamp``) inside the data's window."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
        try:
            day = pd.Timestamp(value.strip())
        except ValueError:  # "1997-13-45": pandas' DateParseError is a ValueError
            day = None
    elif isinstance(value, datetime.date):  # datetime and pd.Timestamp are dates too
        day = pd.Timestamp(value)
    else:
        day = None
    if day is None:
        raise ParameterError(
            f"parameter {name!r} is {quote(value)}; expected a calendar date like '1997-09-30'"
        )
    if not pd.Timestamp(CDNOW_FIRST_DAY) <= day <= pd.Timestamp(CDNOW_LAST_DAY):
        raise ParameterError(
            f"parameter {name!r} is {day:%Y-%m-%d}; the CDNOW data runs from {CDNOW_FIRST_DAY} "
            f"to {CDNOW_LAST_DAY}"
        )
    return day.normalize()


def check_truncation(tokenizer: Any, max_length: Any) -> int | None:
    """``max_length`` checked against ``tokenizer``: both given (a tokenizer and an int >= 8) or neither."""
    if tokenizer is None and max_length is None:
        return None
    if tokenizer is None or max_length is None:
        missing = "tokenizer" if tokenizer is None else "max_length"
        raise ParameterError(
            f"parameter {missing!r} is missing: history texts are cut to max_length tokens of the tokenizer, "
            "so give both (e.g. tokenizer=helpers.load_tokenizer('minilm'), max_length=256) or neither"
        )
    if not callable(tokenizer) or not hasattr(tokenizer, "num_special_tokens_to_add"):
        raise ParameterError(
            f"parameter 'tokenizer' is {quote(tokenizer)} ({type(tokenizer).__name__}); expected a "
            "Hugging Face tokenizer such as helpers.load_tokenizer('minilm')"
        )
    return check_int("max_length", max_length, minimum=MIN_HISTORY_LENGTH)


def load_cdnow(
    source: str | os.PathLike[str] = "sample",
    *,
    calibration_end: str = CDNOW_CALIBRATION_END,
    holdout_end: str = CDNOW_HOLDOUT_END,
    tokenizer: Any = None,
    max_length: int | None = None,
) -> pd.DataFrame:
    """One row per CDNOW customer: the BG/NBD calibration summary, a history text and ``buys_again``.

    The standard split of Fader, Hardie & Lee (2005): the cohort bought first in 1997-Q1; 39 weeks of
    calibration up to ``calibration_end`` (1997-09-30) and 39 weeks of holdout up to ``holdout_end``
    (1998-06-30). A transaction is one customer-day: several order lines of a customer on one day are
    one transaction. Both dates must lie within the data (1997-01-01 to 1998-06-30).

    Left out, counted in the :class:`CdnowReport` in ``frame.attrs["report"]`` and announced with a
    warning: order lines after ``holdout_end``, and customers whose first purchase falls after
    ``calibration_end``. Exact duplicate lines are kept (summed into their day) and counted there too.

    Columns: ``customer_id`` (and ``sample_id`` for the sample file), ``first_purchase``, ``frequency``
    (repeat transactions in calibration), ``recency`` (weeks from first to last calibration purchase),
    ``T`` (weeks from first purchase to the end of calibration), ``calibration_cds``,
    ``calibration_spend``, ``monetary_value`` (mean spend of the repeat transactions, 0 without one),
    ``holdout_transactions``, ``holdout_spend``, ``history`` (English text, see
    :func:`cdnow_history_text`; with ``tokenizer`` and ``max_length`` it keeps the most recent purchases
    that fit) and ``buys_again`` (at least one transaction in the holdout).
    """
    end, last = _check_day("calibration_end", calibration_end), _check_day("holdout_end", holdout_end)
    max_length = check_truncation(tokenizer, max_length)
    path = _cdnow_source(source)
    if last <= end:
        raise DataError(
            f"{path}: holdout_end {holdout_end} must come after calibration_end {calibration_end}"
        )
    transactions = read_cdnow_transactions(path)
    daily = transactions.groupby(["customer_id", "date"], as_index=False, sort=True).agg(
        number_of_cds=("number_of_cds", "sum"), dollar_value=("dollar_value", "sum")
    )
    calibration = daily[daily["date"] <= end]
    if calibration.empty:
        raise DataError(f"{path}, column 'date': no purchase on or before calibration_end {calibration_end}")
    summary = _cdnow_summary(calibration, daily[(daily["date"] > end) & (daily["date"] <= last)], end)
    summary["history"] = _cdnow_histories(calibration, end, tokenizer, max_length)
    summary["buys_again"] = summary["holdout_transactions"] > 0
    if "sample_id" in transactions:
        sample_ids = transactions.groupby("customer_id")["sample_id"].agg(["first", "nunique"])
        if (sample_ids["nunique"] > 1).any():
            customer = sample_ids["nunique"].idxmax()
            raise DataError(f"{path}, column 'sample_id': customer {customer} has several sample ids")
        summary.insert(0, "sample_id", sample_ids["first"])
    summary = summary.reset_index()
    summary.attrs["report"] = _report(path, transactions, last, summary)
    return summary


def _report(path: Path, transactions: pd.DataFrame, last: pd.Timestamp, summary: pd.DataFrame) -> CdnowReport:
    """The :class:`CdnowReport` of a load; warns when lines or customers were left out."""
    report = CdnowReport(
        path=str(path),
        lines_read=len(transactions),
        duplicate_lines=int(transactions.duplicated().sum()),
        lines_after_holdout=int((transactions["date"] > last).sum()),
        customers_left_out=transactions["customer_id"].nunique() - len(summary),
        customers_kept=len(summary),
    )
    if report.lines_after_holdout or report.customers_left_out:
        warnings.warn(report.summary(), UserWarning, stacklevel=3)
    return report


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


def _cdnow_histories(
    calibration: pd.DataFrame, end: pd.Timestamp, tokenizer: Any, max_length: int | None
) -> pd.Series:
    """History texts of the customers in ``calibration`` (daily rows sorted by customer and date)."""
    customers = calibration["customer_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, customers[1:] != customers[:-1]])
    stops = np.r_[starts[1:], len(customers)]
    dates = list(calibration["date"].dt.date)
    cds = calibration["number_of_cds"].tolist()
    dollars = calibration["dollar_value"].tolist()
    clauses: list[str] = []
    groups: list[Any] = []
    for a, b in zip(starts, stops, strict=True):
        events = list(zip(dates[a:b], cds[a:b], dollars[a:b], strict=True))
        customer_clauses = cdnow_history_clauses(events, end.date())
        clauses += customer_clauses
        groups += [customers[a]] * len(customer_clauses)
    texts = join_recent(pd.Series(clauses, dtype=object), np.asarray(groups), tokenizer, max_length)
    return texts.rename("history")


def _gap(days: int) -> str:
    """A gap between purchases: days up to two weeks, whole weeks after that."""
    return plural(days, "day") if days < 14 else plural(round(days / 7), "week")


def _order(cds: int, dollars: float) -> str:
    """One purchase day's order: "2 CDs for $29.33"."""
    return f"{plural(cds, 'CD')} for ${dollars:,.2f}"


def cdnow_history_clauses(events: list[tuple[Any, int, float]], calibration_end: Any) -> list[str]:
    """One clause per purchase day, oldest first, then one about the time since the last purchase.

    ``events`` are ``(date, number_of_cds, dollars)`` per purchase day, oldest first. The clauses are
    joined by :data:`helpers.behaviour_text.SEPARATOR`, so only the closing clause ends with a period.
    """
    (first_date, first_cds, first_dollars), *repeats = events
    clauses = [f"Customer first bought on {first_date:%Y-%m-%d}: {_order(first_cds, first_dollars)}"]
    previous = first_date
    for date, number, dollars in repeats:
        clauses.append(f"Bought again after {_gap((date - previous).days)}: {_order(number, dollars)}")
        previous = date
    quiet = (calibration_end - previous).days
    if quiet > 0:
        clauses.append(f"No purchase in the {_gap(quiet)} up to {calibration_end:%Y-%m-%d}.")
    else:
        clauses.append(f"The last purchase was on {calibration_end:%Y-%m-%d}, the end of the period.")
    return clauses


def cdnow_history_text(
    events: list[tuple[Any, int, float]],
    calibration_end: Any,
    tokenizer: Any = None,
    max_length: int | None = None,
) -> str:
    """A customer's calibration purchases as compact English for a BERT model.

    ``events`` are ``(date, number_of_cds, dollars)`` per purchase day, oldest first. Every purchase is
    written out (see :func:`cdnow_history_clauses`). Given a ``tokenizer`` and ``max_length``, the text
    is cut like a simulated session (:func:`helpers.behaviour_text.join_recent`): whole clauses are
    dropped from the start until it fits, and it then begins with ``"..."``. Example::

        Customer first bought on 1997-01-01: 2 CDs for $29.33. Bought again after 17 days: 2 CDs for
        $29.73. Bought again after 28 weeks: 1 CD for $14.96. No purchase in the 8 weeks up to 1997-09-30.
    """
    max_length = check_truncation(tokenizer, max_length)
    clauses = cdnow_history_clauses(events, calibration_end)
    texts = join_recent(
        pd.Series(clauses, dtype=object), np.zeros(len(clauses), dtype=int), tokenizer, max_length
    )
    return str(texts.iloc[0])
