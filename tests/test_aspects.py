"""Aspect detection in clauses and its scores against labelled aspects."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers import aspects as asp


def test_clauses_split_sentences_and_contrasts() -> None:
    text = "Pretty good. Falls out of my ears but sound is not bad at all. Arrived a day early!"
    assert asp.clauses(text) == [
        "Pretty good",
        "Falls out of my ears",
        "sound is not bad at all",
        "Arrived a day early",
    ]
    assert asp.clauses("") == []


def test_candidates_follow_the_category() -> None:
    earbuds = asp.candidate_aspects("earbuds")
    assert {"sound", "battery", "fit", "value", "delivery", "quality"} == set(earbuds)
    assert set(asp.candidate_aspects(None)) == set(asp.ASPECT_DESCRIPTIONS)


def test_keywords_match_whole_words_among_the_candidates() -> None:
    assert asp.keyword_aspects("The battery dies fast", ["battery", "sound"]) == {"battery"}
    assert asp.keyword_aspects("Unboxing was fun", ["delivery"]) == set()  # "box" inside a word is no match
    assert asp.keyword_aspects("great sound", ["battery"]) == set()


def test_embedding_aspects_use_cosine_similarity() -> None:
    clauses = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, -1.0]])
    aspects = np.array([[2.0, 0.0], [0.0, 3.0]])
    assert asp.embedding_aspects(clauses, aspects, [0, 1], 0.7) == [{0}, {1}, set()]
    assert asp.embedding_aspects(clauses, aspects, [1], 0.5) == [set(), {1}, set()]


def test_aspect_table_and_scores() -> None:
    reviews = pd.DataFrame(
        {
            "text": ["Battery dies fast but the sound is great.", "Arrived late."],
            "category": ["earbuds", "earbuds"],
            "aspect_labels": [
                json.dumps({"battery": "neg", "sound": "pos"}),
                json.dumps({"delivery": "neg"}),
            ],
        }
    )

    def detect(parts, category):
        return [asp.keyword_aspects(p, asp.candidate_aspects(category)) for p in parts]

    def polarity(clauses):
        return np.array([0.9 if "great" in c else 0.1 for c in clauses])

    table = asp.aspect_table(reviews, detect, polarity)
    assert list(zip(table["review"], table["aspect"], strict=True)) == [
        (0, "battery"),
        (0, "sound"),
        (1, "delivery"),
    ]
    scores = asp.score_aspects(reviews, table)
    assert scores["aspect_detection_f1"] == pytest.approx(1.0) and scores["aspect_polarity_accuracy"] == 1.0
    missed = asp.score_aspects(reviews, table[table["aspect"] != "delivery"])
    assert (
        missed["aspect_detection_recall"] == pytest.approx(2 / 3)
        and missed["aspect_detection_precision"] == 1.0
    )
    assert scores["complaint_precision"] == 1.0 and scores["complaint_recall"] == 1.0
    assert missed["complaint_precision"] == 1.0 and missed["complaint_recall"] == 0.5
    flipped = asp.score_aspects(reviews, table.assign(positive=1 - table["positive"]))
    # praise read as complaint, complaint read as praise
    assert flipped["complaint_precision"] == 0.0 and flipped["complaint_recall"] == 0.0


def test_top_complaints_count_negative_mentions_and_show_the_surest_one() -> None:
    mentions = pd.DataFrame(
        {
            "clause": ["battery lasts long", "battery died in a day", "battery is weak", "fit is tight"],
            "aspect": ["battery", "battery", "battery", "fit"],
            "positive": [0.45, 0.02, 0.30, 0.40],
            "category": ["earbuds"] * 4,
        }
    )
    top = asp.top_complaints(mentions)
    assert top.loc["earbuds", "aspect"] == "battery" and top.loc["earbuds", "complaints"] == 3
    assert top.loc["earbuds", "example"] == "battery died in a day"  # not the first, the surest
    assert top.loc["earbuds", "example_positive"] == pytest.approx(0.02)


def test_category_aspect_sentiment_is_the_share_read_positive() -> None:
    mentions = pd.DataFrame(
        {
            "aspect": ["battery"] * 4 + ["fit"] * 2,
            "positive": [0.9, 0.6, 0.5, 0.1, 0.8, 0.7],
            "category": ["earbuds"] * 4 + ["earbuds", "jackets"],
        }
    )
    grid = asp.category_aspect_sentiment(mentions, min_mentions=1)
    # 0.5 counts as positive (top_complaints takes < 0.5); the mean probability would be 0.525
    assert grid.loc["earbuds", "battery"] == pytest.approx(0.75)
    assert grid.loc["earbuds", "fit"] == 1.0 and grid.loc["jackets", "fit"] == 1.0
    assert np.isnan(grid.loc["jackets", "battery"])  # no mention: empty
    sparse = asp.category_aspect_sentiment(mentions, min_mentions=2)
    assert sparse.loc["earbuds", "battery"] == pytest.approx(0.75) and np.isnan(sparse.loc["earbuds", "fit"])
    complaints = asp.top_complaints(mentions.assign(clause="c"))
    assert complaints.loc["earbuds", "complaints"] == round(4 * (1 - grid.loc["earbuds", "battery"]))
