"""Tests for helpers.loaders: small fixtures in the real formats, malformed files, and the real data sets."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from helpers.errors import DataError
from helpers.loaders import (
    REVIEW_PRESETS,
    ReviewReport,
    cdnow_history_text,
    cdnow_path,
    load_cdnow,
    load_online_shoppers,
    load_online_shoppers_texts,
    load_reviews,
    read_cdnow_transactions,
    shopper_session_text,
    shoppers_text_frame,
)
from helpers.paths import repo_root

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_DATA = repo_root().parent / "shared" / "data"
WEEK = 7.0


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8")


def shared_file(relative: str) -> Path:
    """A file under ``../shared/data``, or skip the test with the reason."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"no shared data folder at {SHARED_DATA}; the real-data checks need it")
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"real data file {path} is not there")
    return path


# --------------------------------------------------------------------------------------------------------
# CDNOW
# --------------------------------------------------------------------------------------------------------


def test_cdnow_master_fixture_summary() -> None:
    summary = load_cdnow(FIXTURES / "CDNOW_master_small.txt").set_index("customer_id")
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


def test_cdnow_history_texts() -> None:
    history = load_cdnow(FIXTURES / "CDNOW_master_small.txt").set_index("customer_id")["history"]
    assert history["00002"] == (
        "Customer first bought on 1997-01-12: 6 CDs for $89.00. "
        "Bought again after 7 weeks: 2 CDs for $25.98. No purchase in the 30 weeks up to 1997-09-30."
    )
    assert history["00001"] == (
        "Customer first bought on 1997-01-01: 1 CD for $11.77. No purchase in the 39 weeks up to 1997-09-30."
    )
    assert history["00003"].endswith("The last purchase was on 1997-09-30, the end of the period.")
    assert "1997-10-01" not in history["00004"]  # holdout purchases never leak into the text


def test_cdnow_history_keeps_most_recent_events() -> None:
    start = pd.Timestamp("1997-01-01").date()
    events = [(start + pd.Timedelta(days=10 * i), 1, 10.0 + i) for i in range(20)]
    text = cdnow_history_text(events, pd.Timestamp("1997-09-30").date(), max_events=4)
    assert text.startswith("Customer first bought on 1997-01-01: 1 CD for $10.00.")
    assert "Then 16 more purchases (16 CDs, $296.00) until 1997-06-10." in text
    assert text.count("Bought again after 10 days") == 3
    assert "$29.00" in text and "$26.00" not in text


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
    summary = load_cdnow("sample")
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
# UCI online shoppers
# --------------------------------------------------------------------------------------------------------


def test_online_shoppers_fixture_types_and_values() -> None:
    sessions = load_online_shoppers(FIXTURES / "online_shoppers_small.csv")
    assert len(sessions) == 5
    assert sessions["ProductRelated"].dtype == "int64" and sessions["BounceRates"].dtype == "float64"
    assert sessions["Weekend"].dtype == bool and sessions["Revenue"].tolist() == [
        False,
        True,
        False,
        False,
        True,
    ]
    assert sessions["Month"].tolist() == ["Feb", "Nov", "May", "June", "Dec"]
    assert sessions.loc[2, "BounceRates"] == pytest.approx(7.5e-05)  # scientific notation
    assert sessions["VisitorType"].tolist()[2:4] == ["New_Visitor", "Other"]


def test_online_shoppers_text() -> None:
    sessions = load_online_shoppers(FIXTURES / "online_shoppers_small.csv")
    assert shopper_session_text(sessions.iloc[1]) == (
        "The visitor viewed 45 product pages for 1,203 seconds, 2 administrative pages for 80 seconds and "
        "0 informational pages for 0 seconds. The session was in November on a weekday; returning visitor; "
        "page value 12.3; bounce rate 0.02; exit rate 0.05; special day 0. Operating system 2, browser 2, "
        "region 1, traffic type 2."
    )
    texts = shoppers_text_frame(sessions)
    assert list(texts.columns) == ["text", "label"]
    assert texts["label"].tolist() == [0, 1, 0, 0, 1]
    assert "1 administrative page for 12 seconds" in texts.loc[2, "text"]
    assert "in June on a weekend day; other visitor" not in texts.loc[3, "text"]
    assert "in June on a weekday; other visitor" in texts.loc[3, "text"]
    assert not texts["text"].str.contains("Revenue|revenue|purchase").any()
    assert load_online_shoppers_texts(FIXTURES / "online_shoppers_small.csv").equals(texts)


# --------------------------------------------------------------------------------------------------------
# Reviews
# --------------------------------------------------------------------------------------------------------


def test_alexa_fixture() -> None:
    reviews, report = load_reviews(FIXTURES / "amazon_alexa_small.tsv", "alexa")
    assert isinstance(report, ReviewReport)
    assert (report.rows_read, report.empty_dropped, report.duplicates_dropped, report.rows_kept) == (
        8,
        1,
        1,
        6,
    )
    assert report.html_unescaped == 2
    assert list(reviews.columns) == ["line", "text", "rating", "sentiment"]
    assert reviews["line"].tolist() == [2, 3, 5, 7, 8, 9]
    assert reviews.loc[1, "text"] == 'Works well, but the "skills" take a while to set up.  Still happy.'
    assert reviews.loc[2, "text"] == "It's ok, I don't have a \"smart\" home yet."
    assert reviews.loc[3, "text"] == "Stopped working after a week & support did not help"
    assert reviews.loc[4, "text"] == "None"  # a literal review text, not a missing value
    assert reviews["rating"].tolist() == [5, 4, 3, 1, 2, 5]
    assert reviews["sentiment"].tolist() == ["pos", "pos", "neu", "neg", "neg", "pos"]
    assert "dropped 1 empty and 1 duplicate" in str(report)


def test_amazon_2023_fixture() -> None:
    reviews, report = load_reviews(FIXTURES / "amazon_reviews_2023_small.jsonl", "amazon_2023")
    assert (report.rows_read, report.empty_dropped, report.duplicates_dropped, report.rows_kept) == (
        6,
        1,
        1,
        4,
    )
    assert reviews["text"].tolist() == [
        "Such a lovely scent but not overpowering. This spray is really nice. It smells really good, goes on "
        "really fine. Highly recommend!",
        "Arrived broken! The bottle was cracked & leaking.",
        "Okay",
        "Good value for the price.",
    ]
    assert reviews["rating"].tolist() == [5, 1, 3, 4]
    assert reviews["sentiment"].tolist() == ["pos", "neg", "neu", "pos"]


def test_uci_sentences_fixture() -> None:
    reviews, report = load_reviews(FIXTURES / "sentiment_labelled_small.txt", "uci_sentences")
    assert (report.rows_read, report.duplicates_dropped, report.rows_kept) == (7, 1, 6)
    assert list(reviews.columns) == ["line", "text", "label", "sentiment"]
    assert reviews.loc[2, "text"] == 'The "sound quality is great.'
    assert reviews.loc[3, "text"] == "Wasted my money\u0085 do not buy."  # U+0085 does not split the line
    assert reviews.loc[4, "text"] == "A very, very slow-moving, aimless movie."
    assert reviews.loc[5, "text"] == "Tab\tinside the sentence but still fine."
    assert reviews["label"].tolist() == [0, 1, 1, 0, 0, 1]
    assert reviews["sentiment"].tolist() == ["neg", "pos", "pos", "neg", "neg", "pos"]
    inferred, _ = load_reviews(FIXTURES / "sentiment_labelled_small.txt")  # .txt -> sentence<TAB>label
    assert inferred.equals(reviews)


def test_reviews_custom_columns_and_conflicts(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    path.write_text('id,review,stars\n1,"Great, thanks",5\n2,Meh,3\n3,"Great, thanks",1\n4,Meh,3\n')
    reviews, report = load_reviews(path, text_column="review", rating_column="stars")
    assert reviews["text"].tolist() == ["Great, thanks", "Meh"]
    assert (report.duplicates_dropped, report.conflicting_duplicates) == (2, 1)
    kept, report = load_reviews(path, text_column="review", rating_column="stars", deduplicate=False)
    assert len(kept) == 4 and report.duplicates_dropped == 0


def test_presets_are_documented() -> None:
    assert set(REVIEW_PRESETS) == {"amazon_2023", "alexa", "uci_sentences"}
    assert all(preset.description for preset in REVIEW_PRESETS.values())


# --------------------------------------------------------------------------------------------------------
# Malformed inputs: one DataError naming the file and the line or column
# --------------------------------------------------------------------------------------------------------

MASTER = fixture_text("CDNOW_master_small.txt")
SHOPPERS = fixture_text("online_shoppers_small.csv")
ALEXA = fixture_text("amazon_alexa_small.tsv")
AMAZON = fixture_text("amazon_reviews_2023_small.jsonl")
SENTENCES = fixture_text("sentiment_labelled_small.txt")
SHOPPERS_HEADER = SHOPPERS.split("\n")[0]


def _amazon_line(line: int, **changes: object) -> str:
    lines = AMAZON.split("\n")
    record = json.loads(lines[line - 1])
    record.update(changes)
    for key in [key for key, value in changes.items() if value is ...]:
        del record[key]
    lines[line - 1] = json.dumps(record)
    return "\n".join(lines)


LOADERS: dict[str, Callable[[Path], object]] = {
    "cdnow": load_cdnow,
    "shoppers": load_online_shoppers,
    "alexa": lambda path: load_reviews(path, "alexa"),
    "amazon_2023": lambda path: load_reviews(path, "amazon_2023"),
    "uci_sentences": lambda path: load_reviews(path, "uci_sentences"),
    "csv_reviews": lambda path: load_reviews(path, text_column="review", rating_column="stars"),
}

MALFORMED = [
    # (case id, loader, file name, content, words the message must contain)
    (
        "cdnow-negative-dollars",
        "cdnow",
        "master.txt",
        MASTER.replace("   11.77", "  -11.77"),
        ["line 2", "dollar_value", ">= 0"],
    ),
    (
        "cdnow-bad-date",
        "cdnow",
        "master.txt",
        MASTER.replace("19970102", "19971332"),
        ["line 7", "date", "YYYYMMDD"],
    ),
    (
        "cdnow-ragged-row",
        "cdnow",
        "master.txt",
        MASTER.replace(" 00002 19970301  2", " 00002 19970301"),
        ["line 5", "ragged"],
    ),
    (
        "cdnow-wrong-type",
        "cdnow",
        "master.txt",
        MASTER.replace("19970325  3", "19970325  three"),
        ["line 9", "number_of_cds", "whole number"],
    ),
    (
        "cdnow-bad-header",
        "cdnow",
        "master.txt",
        MASTER.replace("dollar_value", "dollars"),
        ["line 1", "header"],
    ),
    ("cdnow-header-only", "cdnow", "master.txt", MASTER.split("\r\n")[0] + "\r\n", ["no data rows"]),
    ("cdnow-empty-file", "cdnow", "master.txt", "", ["empty"]),
    (
        "shoppers-missing-column",
        "shoppers",
        "shoppers.csv",
        SHOPPERS.replace(",Revenue\n", ",Revenues\n"),
        ["missing column", "'Revenue'"],
    ),
    (
        "shoppers-unknown-month",
        "shoppers",
        "shoppers.csv",
        SHOPPERS.replace(",Nov,", ",Novembre,"),
        ["line 3", "'Month'", "unknown value"],
    ),
    (
        "shoppers-bad-boolean",
        "shoppers",
        "shoppers.csv",
        SHOPPERS.replace("New_Visitor,TRUE", "New_Visitor,YES"),
        ["line 4", "'Weekend'", "TRUE"],
    ),
    (
        "shoppers-negative-duration",
        "shoppers",
        "shoppers.csv",
        SHOPPERS.replace("2,80.5,", "2,-1,"),
        ["line 3", "'Administrative_Duration'", ">= 0"],
    ),
    (
        "shoppers-rate-above-one",
        "shoppers",
        "shoppers.csv",
        SHOPPERS.replace(",0.02,0.05,", ",1.5,0.05,"),
        ["line 3", "'BounceRates'", "<= 1"],
    ),
    (
        "shoppers-wrong-type",
        "shoppers",
        "shoppers.csv",
        SHOPPERS.replace(",45,", ",many,"),
        ["line 3", "'ProductRelated'", "whole number"],
    ),
    (
        "shoppers-empty-cell",
        "shoppers",
        "shoppers.csv",
        SHOPPERS.replace(",12.30456,", ",,"),
        ["line 3", "'PageValues'", "empty value"],
    ),
    (
        "shoppers-ragged-row",
        "shoppers",
        "shoppers.csv",
        SHOPPERS.replace("Other,FALSE,FALSE", "Other,FALSE,FALSE,1"),
        ["line 5", "ragged", "19 fields"],
    ),
    (
        "shoppers-unknown-visitor",
        "shoppers",
        "shoppers.csv",
        SHOPPERS.replace("Other,", "Bot,"),
        ["line 5", "'VisitorType'"],
    ),
    ("shoppers-header-only", "shoppers", "shoppers.csv", SHOPPERS_HEADER + "\n", ["header but no data rows"]),
    (
        "shoppers-non-utf8",
        "shoppers",
        "shoppers.csv",
        SHOPPERS.replace("Dec,", "D\udce9c,"),
        ["line 6", "not valid utf-8"],
    ),
    (
        "alexa-rating-out-of-range",
        "alexa",
        "alexa.tsv",
        ALEXA.replace("\r\n3\t30-Jul-18", "\r\n6\t30-Jul-18"),
        ["line 5", "'rating'", "<= 5"],
    ),
    (
        "alexa-missing-column",
        "alexa",
        "alexa.tsv",
        ALEXA.replace("verified_reviews", "review"),
        ["missing column", "'verified_reviews'"],
    ),
    (
        "alexa-unbalanced-quote",
        "alexa",
        "alexa.tsv",
        ALEXA.replace("\tStopped working", '\t"Stopped working'),
        ["line 7", "verified_reviews", "unbalanced double quote"],
    ),
    (
        "amazon-invalid-json",
        "amazon_2023",
        "reviews.jsonl",
        AMAZON.replace('"title": "Okay"', '"title": Okay'),
        ["line 3", "invalid JSON"],
    ),
    (
        "amazon-null-text",
        "amazon_2023",
        "reviews.jsonl",
        _amazon_line(2, text=None),
        ["line 2", "'text'", "expected text"],
    ),
    (
        "amazon-missing-rating",
        "amazon_2023",
        "reviews.jsonl",
        _amazon_line(4, rating=...),
        ["line 4", "'rating'"],
    ),
    (
        "amazon-half-star",
        "amazon_2023",
        "reviews.jsonl",
        _amazon_line(1, rating=4.5),
        ["line 1", "'rating'", "whole stars"],
    ),
    ("amazon-not-an-object", "amazon_2023", "reviews.jsonl", AMAZON + "[1, 2]\n", ["line 7", "JSON object"]),
    ("amazon-empty-file", "amazon_2023", "reviews.jsonl", "\n\n", ["empty"]),
    (
        "uci-bad-label",
        "uci_sentences",
        "sentences.txt",
        SENTENCES.replace("value.\t1", "value.\tpositive", 1),
        ["line 2", "'label'", "unknown value"],
    ),
    (
        "uci-no-tab",
        "uci_sentences",
        "sentences.txt",
        SENTENCES.replace("great.\t1", "great. 1"),
        ["line 3", "ragged"],
    ),
    (
        "csv-rating-not-a-number",
        "csv_reviews",
        "shop.csv",
        "review,stars\nGood,5\nBad,one\n",
        ["line 3", "'stars'", "number"],
    ),
    (
        "csv-missing-rating-column",
        "csv_reviews",
        "shop.csv",
        "review,score\nGood,5\n",
        ["missing column", "'stars'"],
    ),
]


@pytest.mark.parametrize(
    ("loader", "name", "content", "expected"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_input_raises_data_error(
    tmp_path: Path, loader: str, name: str, content: str, expected: list[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8", errors="surrogateescape"))
    with pytest.raises(DataError) as caught:
        LOADERS[loader](path)
    message = str(caught.value)
    assert name in message, message
    for words in expected:
        assert words in message, message


def test_unknown_preset_and_format(tmp_path: Path) -> None:
    path = tmp_path / "reviews.xml"
    path.write_text("<reviews/>")
    with pytest.raises(DataError, match=r"reviews\.xml.*unknown review preset 'imdb'.*amazon_2023"):
        load_reviews(path, "imdb")
    with pytest.raises(DataError, match=r"reviews\.xml.*unknown review file format ''"):
        load_reviews(path, rating_column="stars")
    with pytest.raises(DataError, match=r"reviews\.xml.*rating_column or a label_column"):
        load_reviews(path, file_format="csv")


def test_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_online_shoppers(tmp_path / "nope.csv")


def test_error_counts_further_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "shoppers.csv"
    path.write_text(SHOPPERS.replace("_Visitor,FALSE", "_Visitor,maybe"))
    with pytest.raises(DataError, match=r"line 2, column 'Weekend'.*'maybe' \(1 more rows like this\)"):
        load_online_shoppers(path)


# --------------------------------------------------------------------------------------------------------
# Real data under ../shared/data (skipped when absent)
# --------------------------------------------------------------------------------------------------------


def test_real_online_shoppers() -> None:
    path = shared_file("online_shoppers_intention/online_shoppers_intention.csv")
    sessions = load_online_shoppers(path)
    assert sessions.shape == (12330, 18)
    assert int(sessions["Revenue"].sum()) == 1908
    assert int(sessions["Weekend"].sum()) == 2868
    assert sessions["Month"].value_counts().to_dict() == {
        "May": 3364, "Nov": 2998, "Mar": 1907, "Dec": 1727, "Oct": 549,
        "Sep": 448, "Aug": 433, "Jul": 432, "June": 288, "Feb": 184,
    }  # fmt: skip
    assert sessions["VisitorType"].value_counts().to_dict() == {
        "Returning_Visitor": 10551,
        "New_Visitor": 1694,
        "Other": 85,
    }
    texts = shoppers_text_frame(sessions)
    assert len(texts) == 12330 and int(texts["label"].sum()) == 1908
    assert texts["text"].str.len().max() < 400


def test_real_alexa() -> None:
    path = shared_file("amazon_alexa_reviews/amazon_alexa.tsv")
    reviews, report = load_reviews(path, "alexa")
    assert (report.rows_read, report.empty_dropped) == (3150, 79)
    assert (report.duplicates_dropped, report.rows_kept) == (771, 2300)
    assert reviews["text"].is_unique and (reviews["text"].str.strip() != "").all()
    assert not reviews["text"].str.contains("&#34;").any()
    # Same rows as pandas' own TSV parser with default quoting (the texts stay text: no NaN for "None").
    everything, _ = load_reviews(path, "alexa", deduplicate=False)
    frame = pd.read_csv(path, sep="\t", keep_default_na=False)
    assert frame.shape == (3150, 5)
    assert frame["rating"].value_counts().to_dict() == {5: 2286, 4: 455, 3: 152, 2: 96, 1: 161}
    kept = frame[frame["verified_reviews"].str.strip() != ""]
    assert everything["rating"].tolist() == kept["rating"].tolist()
    assert everything["text"].str.len().sum() <= kept["verified_reviews"].str.len().sum()
