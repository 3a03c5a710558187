"""Tests for helpers.data.cdnow: small fixtures in both layouts, malformed files, history texts and their
truncation, and the real CDNOW files shipped in the lifetimes package."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from data_fixtures import FIXTURES, WEEK, check_data_error, fixture_text
from helpers.behaviour_text import TRUNCATION_MARK, TRUNCATION_PREFIX
from helpers.data.cdnow import (
    CdnowReport,
    cdnow_history_text,
    cdnow_path,
    load_cdnow,
    read_cdnow_transactions,
)
from helpers.errors import DataError, ParameterError
from helpers.model_registry import load_tokenizer

MASTER_FIXTURE = FIXTURES / "CDNOW_master_small.txt"


def load_master_fixture(**options: object) -> pd.DataFrame:
    """The master fixture loaded; its 1998-07-01 line is left out with a warning, tested on its own below."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load_cdnow(MASTER_FIXTURE, **options)


def test_cdnow_master_fixture_summary() -> None:
    with pytest.warns(UserWarning, match="left out 1 line after holdout_end and 0 customers"):
        summary = load_cdnow(MASTER_FIXTURE).set_index("customer_id")
    assert list(summary.index) == ["00001", "00002", "00003", "00004", "00005"]
    assert "sample_id" not in summary.columns
    # Two order lines on 1997-01-12 are one transaction; the repeat on 1997-03-01 is the only repeat.
    two = summary.loc["00002"]
    assert two["frequency"] == 1
    assert two["recency"] == pytest.approx(48 / WEEK)
    assert two["T"] == pytest.approx(261 / WEEK)
    assert two["calibration_cds"] == 8
    assert two["calibration_spend"] == pytest.approx(114.98)
    assert two["monetary_value"] == pytest.approx(25.98)
    assert (two["holdout_transactions"], two["holdout_spend"], two["buys_again"]) == (1, 13.97, True)
    # A purchase on the last calibration day counts in calibration, one on the first holdout day in holdout.
    assert summary.loc["00003", "frequency"] == 1
    assert summary.loc["00003", "recency"] == pytest.approx(summary.loc["00003", "T"])
    assert summary.loc["00004", "holdout_transactions"] == 2  # 1997-10-01 and 1998-06-30, both inclusive
    assert summary.loc["00005", "buys_again"] == False  # noqa: E712  (1998-07-01 is after the holdout)
    assert summary.loc["00001", ["frequency", "recency", "monetary_value"]].tolist() == [0, 0.0, 0.0]
    assert summary["T"].max() == pytest.approx(272 / WEEK)
    assert summary.attrs["report"] == CdnowReport(
        path=str(MASTER_FIXTURE),
        lines_read=12,
        duplicate_lines=0,
        lines_after_holdout=1,
        customers_left_out=0,
        customers_kept=5,
    )


def test_cdnow_report_counts_duplicates_and_customers_left_out(tmp_path: Path) -> None:
    path = tmp_path / "master.txt"
    # 00002's line of 1997-03-01 twice (summed into its day); 00003 first buys after calibration_end.
    path.write_text(MASTER + " 00002 19970301  2   25.98\n 00006 19971005  1   10.00\n")
    with pytest.warns(UserWarning, match=r"\(1 exact duplicate, summed.*and 1 customer who first bought"):
        summary = load_cdnow(path)
    report = summary.attrs["report"]
    assert (report.lines_read, report.duplicate_lines, report.customers_left_out) == (14, 1, 1)
    assert report.customers_kept == len(summary) == 5 and "00006" not in set(summary["customer_id"])
    assert summary.set_index("customer_id").loc["00002", "calibration_spend"] == pytest.approx(114.98 + 25.98)
    assert str(report).startswith("master.txt: read 14 order lines (1 exact duplicate")


def test_cdnow_history_texts() -> None:
    history = load_master_fixture().set_index("customer_id")["history"]
    assert history["00002"] == (
        "Customer first bought on 1997-01-12: 6 CDs for $89.00. "
        "Bought again after 7 weeks: 2 CDs for $25.98. No purchase in the 30 weeks up to 1997-09-30."
    )
    assert history["00001"] == (
        "Customer first bought on 1997-01-01: 1 CD for $11.77. No purchase in the 39 weeks up to 1997-09-30."
    )
    assert history["00003"].endswith("The last purchase was on 1997-09-30, the end of the period.")
    assert "1997-10-01" not in history["00004"]  # holdout purchases never leak into the text


# 20 purchase days, 10 days apart, for $10.00, $11.00, ..., $29.00.
START = pd.Timestamp("1997-01-01").date()
EVENTS = [(START + pd.Timedelta(days=10 * i), 1, 10.0 + i) for i in range(20)]
END = pd.Timestamp("1997-09-30").date()


def test_cdnow_history_writes_every_purchase_without_a_tokenizer() -> None:
    text = cdnow_history_text(EVENTS, END)
    assert text.startswith("Customer first bought on 1997-01-01: 1 CD for $10.00.")
    assert text.count("Bought again after 10 days") == 19
    assert "$29.00" in text and "$26.00" in text
    assert text.endswith(
        "Bought again after 10 days: 1 CD for $29.00. No purchase in the 12 weeks up to 1997-09-30."
    )


def test_cdnow_history_truncation_keeps_most_recent_events() -> None:
    """The one behaviour -> text rule (helpers.behaviour_text.join_recent): oldest clauses go first."""
    tokenizer = load_tokenizer("minilm")
    full = cdnow_history_text(EVENTS, END)
    text = cdnow_history_text(EVENTS, END, tokenizer=tokenizer, max_length=48)
    assert len(tokenizer(text)["input_ids"]) <= 48
    assert text.startswith(TRUNCATION_PREFIX)
    assert full.endswith(text[len(TRUNCATION_PREFIX) :])
    assert "first bought" not in text and "$10.00" not in text
    assert text.endswith("1 CD for $29.00. No purchase in the 12 weeks up to 1997-09-30.")
    # A text that fits is not touched.
    assert cdnow_history_text(EVENTS, END, tokenizer=tokenizer, max_length=512) == full
    # load_cdnow writes each customer's history with the same rule.
    full_histories = load_master_fixture()["history"]
    cut = load_master_fixture(tokenizer=tokenizer, max_length=40)["history"]
    assert max(len(ids) for ids in tokenizer(list(cut))["input_ids"]) <= 40
    truncated = cut.str.startswith(TRUNCATION_MARK)
    assert truncated.any() and not truncated.all()
    assert (cut[~truncated] == full_histories[~truncated]).all()
    for whole, short in zip(full_histories[truncated], cut[truncated], strict=True):
        assert whole.endswith(short[len(TRUNCATION_PREFIX) :])


def test_cdnow_sample_layout_keeps_both_ids() -> None:
    transactions = read_cdnow_transactions(FIXTURES / "CDNOW_sample_small.txt")
    assert list(transactions.columns) == ["customer_id", "sample_id", "date", "number_of_cds", "dollar_value"]
    assert len(transactions) == 7
    summary = load_cdnow(FIXTURES / "CDNOW_sample_small.txt")
    assert summary[["customer_id", "sample_id"]].values.tolist() == [
        ["00001", "0002"],
        ["00002", "0001"],
        ["00004", "0003"],
    ]
    assert summary["buys_again"].tolist() == [False, True, True]


def test_cdnow_transactions_types() -> None:
    transactions = read_cdnow_transactions(FIXTURES / "CDNOW_master_small.txt")
    assert len(transactions) == 12
    assert str(transactions["date"].dtype).startswith("datetime64")
    assert transactions["number_of_cds"].dtype == "int64"
    assert transactions["dollar_value"].dtype == "float64"
    assert transactions["dollar_value"].min() == 0.0


def test_cdnow_path_does_not_import_lifetimes() -> None:
    imported_before = "lifetimes" in sys.modules
    assert cdnow_path("master").name == "CDNOW_master.txt"
    assert cdnow_path("sample").name == "CDNOW_sample.txt"
    assert ("lifetimes" in sys.modules) == imported_before


def test_cdnow_sample_reproduces_bg_nbd_paper() -> None:
    """Fader, Hardie & Lee (2005): 2,357 customers, 39 + 39 weeks, mean calibration frequency 1.04."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the real file is inside the window: nothing is left out
        summary = load_cdnow("sample")
    report = summary.attrs["report"]
    assert (report.lines_read, report.duplicate_lines, report.lines_after_holdout) == (6919, 21, 0)
    assert len(summary) == summary["customer_id"].nunique() == 2357
    assert summary["frequency"].sum() == 2457
    assert summary["frequency"].mean() == pytest.approx(1.0424, abs=0.02)
    assert summary["T"].between(27, 39).all()
    assert summary["T"].min() == pytest.approx(27.0) and summary["T"].max() == pytest.approx(272 / WEEK)
    assert summary["holdout_transactions"].sum() == 1882
    assert summary["buys_again"].sum() == 684
    # Per customer, the figures match the summary shipped with lifetimes (2 decimals, ID = sample id).
    reference = pd.read_csv(cdnow_path().parent / "cdnow_customers_summary_with_transactions.csv")
    ours = summary.sort_values("sample_id").reset_index(drop=True)
    assert ours["sample_id"].astype(int).tolist() == reference["ID"].tolist()
    assert ours["frequency"].tolist() == reference["x"].tolist()
    assert (ours["recency"] - reference["t_x"]).abs().max() < 0.006
    assert (ours["T"] - reference["T"]).abs().max() < 0.006
    assert (ours["monetary_value"] - reference["zbar"]).abs().max() < 0.006


def test_cdnow_master_loads() -> None:
    summary = load_cdnow("master")
    assert len(summary) == 23570
    assert summary["T"].between(27, 39).all()
    assert summary["history"].str.startswith("Customer first bought on 1997-").all()


# --------------------------------------------------------------------------------------------------------
# Malformed inputs: one DataError naming the file and the line or column
# --------------------------------------------------------------------------------------------------------

MASTER = fixture_text("CDNOW_master_small.txt")

MALFORMED = [
    # (case id, file name, content, words the message must contain)
    (
        "cdnow-negative-dollars",
        "master.txt",
        MASTER.replace("   11.77", "  -11.77"),
        ["line 2", "dollar_value", ">= 0"],
    ),
    ("cdnow-bad-date", "master.txt", MASTER.replace("19970102", "19971332"), ["line 7", "date", "YYYYMMDD"]),
    (
        "cdnow-ragged-row",
        "master.txt",
        MASTER.replace(" 00002 19970301  2", " 00002 19970301"),
        ["line 5", "ragged"],
    ),
    (
        "cdnow-wrong-type",
        "master.txt",
        MASTER.replace("19970325  3", "19970325  three"),
        ["line 9", "number_of_cds", "whole number"],
    ),
    ("cdnow-bad-header", "master.txt", MASTER.replace("dollar_value", "dollars"), ["line 1", "header"]),
    ("cdnow-header-only", "master.txt", MASTER.split("\r\n")[0] + "\r\n", ["no data rows"]),
    ("cdnow-empty-file", "master.txt", "", ["empty"]),
    (
        "cdnow-date-before-the-data",
        "master.txt",
        MASTER.replace("19970301", "19000301"),
        ["line 5", "'date'", "before 1997-01-01", "1997-Q1"],
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "expected"), [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED]
)
def test_malformed_input_raises_data_error(
    tmp_path: Path, name: str, content: str, expected: list[str]
) -> None:
    check_data_error(tmp_path, load_cdnow, name, content, expected)


def test_dates_of_the_split_are_checked() -> None:
    with pytest.raises(ParameterError, match=r"'calibration_end' is '1997-13-45'; expected a calendar date"):
        load_cdnow(MASTER_FIXTURE, calibration_end="1997-13-45")
    with pytest.raises(ParameterError, match=r"'holdout_end' is 2030-01-01; the CDNOW data runs from"):
        load_cdnow(MASTER_FIXTURE, holdout_end="2030-01-01")
    with pytest.raises(DataError, match="must come after calibration_end"):
        load_cdnow(MASTER_FIXTURE, holdout_end="1997-09-30")
    # Dates as date objects work too, and an earlier holdout_end leaves out (and reports) more lines.
    with pytest.warns(UserWarning, match="left out 2 lines after holdout_end"):
        early = load_cdnow(MASTER_FIXTURE, holdout_end=pd.Timestamp("1998-06-29").date())
    assert early.set_index("customer_id").loc["00004", "holdout_transactions"] == 1
