"""Tests for helpers.data.shoppers: the UCI Online Shoppers fixture, its texts, malformed files, and the
real CSV under ../shared/data (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_fixtures import FIXTURES, check_data_error, fixture_text, shared_file
from helpers.data.shoppers import (
    load_online_shoppers,
    load_online_shoppers_texts,
    shopper_session_text,
    shoppers_text_frame,
)
from helpers.errors import DataError


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
# Malformed inputs: one DataError naming the file and the line or column
# --------------------------------------------------------------------------------------------------------

SHOPPERS = fixture_text("online_shoppers_small.csv")
SHOPPERS_HEADER = SHOPPERS.split("\n")[0]

MALFORMED = [
    # (case id, content, words the message must contain); the file is shoppers.csv
    (
        "shoppers-missing-column",
        SHOPPERS.replace(",Revenue\n", ",Revenues\n"),
        ["missing column", "'Revenue'"],
    ),
    (
        "shoppers-unknown-month",
        SHOPPERS.replace(",Nov,", ",Novembre,"),
        ["line 3", "'Month'", "unknown value"],
    ),
    (
        "shoppers-bad-boolean",
        SHOPPERS.replace("New_Visitor,TRUE", "New_Visitor,YES"),
        ["line 4", "'Weekend'", "TRUE"],
    ),
    (
        "shoppers-negative-duration",
        SHOPPERS.replace("2,80.5,", "2,-1,"),
        ["line 3", "'Administrative_Duration'", ">= 0"],
    ),
    (
        "shoppers-rate-above-one",
        SHOPPERS.replace(",0.02,0.05,", ",1.5,0.05,"),
        ["line 3", "'BounceRates'", "<= 1"],
    ),
    (
        "shoppers-wrong-type",
        SHOPPERS.replace(",45,", ",many,"),
        ["line 3", "'ProductRelated'", "whole number"],
    ),
    ("shoppers-empty-cell", SHOPPERS.replace(",12.30456,", ",,"), ["line 3", "'PageValues'", "empty value"]),
    (
        "shoppers-ragged-row",
        SHOPPERS.replace("Other,FALSE,FALSE", "Other,FALSE,FALSE,1"),
        ["line 5", "ragged", "19 fields"],
    ),
    ("shoppers-unknown-visitor", SHOPPERS.replace("Other,", "Bot,"), ["line 5", "'VisitorType'"]),
    ("shoppers-header-only", SHOPPERS_HEADER + "\n", ["header but no data rows"]),
    ("shoppers-non-utf8", SHOPPERS.replace("Dec,", "D\udce9c,"), ["line 6", "not valid utf-8"]),
]


@pytest.mark.parametrize(
    ("content", "expected"), [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED]
)
def test_malformed_input_raises_data_error(tmp_path: Path, content: str, expected: list[str]) -> None:
    check_data_error(tmp_path, load_online_shoppers, "shoppers.csv", content, expected)


def test_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_online_shoppers(tmp_path / "nope.csv")


def test_error_counts_further_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "shoppers.csv"
    path.write_text(SHOPPERS.replace("_Visitor,FALSE", "_Visitor,maybe"))
    with pytest.raises(DataError, match=r"line 2, column 'Weekend'.*'maybe' \(1 more rows like this\)"):
        load_online_shoppers(path)


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
