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


def test_keyword_detector_finds_the_aspects_of_each_clause_among_the_candidates() -> None:
    parts = ["The battery dies fast", "great sound", "Arrived late, box crushed"]
    assert asp.keyword_detector(parts, "earbuds") == [{"battery"}, {"sound"}, {"delivery"}]
    assert asp.keyword_detector(["great sound"], "jackets") == [set()]  # jackets have no sound aspect
    assert asp.keyword_detector([], None) == []


def _one_hot_vectors() -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Aspect i embedded as the unit vector e_i; a clause near "battery", one on "sound", and one mostly
    about the battery (cosine 0.89) and a little about the sound (0.45)."""
    names = list(asp.ASPECT_DESCRIPTIONS)
    aspect_vectors = np.eye(len(names))
    battery, sound = aspect_vectors[names.index("battery")], aspect_vectors[names.index("sound")]
    clause_vectors = {"charge lasts": battery + 0.1, "crisp highs": sound, "both": battery + 0.5 * sound}
    return clause_vectors, aspect_vectors


def test_embedding_detector_reads_the_clause_vectors_and_the_category() -> None:
    clause_vectors, aspect_vectors = _one_hot_vectors()
    detect = asp.embedding_detector(clause_vectors, aspect_vectors, 0.4)
    parts = ["charge lasts", "crisp highs", "both"]
    assert detect(parts, "earbuds") == [{"battery"}, {"sound"}, {"battery", "sound"}]
    assert detect(["crisp highs"], "jackets") == [set()]  # not a candidate aspect of jackets
    assert asp.embedding_detector(clause_vectors, aspect_vectors, 0.6)(["both"], None) == [{"battery"}]


def test_unique_clauses_are_sorted_and_distinct() -> None:
    texts = ["Great sound. Battery dies fast", "Battery dies fast but fits well"]
    assert asp.unique_clauses(texts) == ["Battery dies fast", "Great sound", "fits well"]
    assert asp.unique_clauses([]) == []


def test_best_threshold_keeps_the_first_of_the_best_detection_f1() -> None:
    reviews = pd.DataFrame(
        {
            "text": ["charge lasts. crisp highs", "both"],
            "category": ["earbuds", "earbuds"],
            "aspect_labels": [json.dumps({"battery": "pos", "sound": "pos"}), json.dumps({"battery": "neg"})],
        }
    )
    clause_vectors, aspect_vectors = _one_hot_vectors()

    def make(threshold: float):
        return asp.embedding_detector(clause_vectors, aspect_vectors, threshold)

    # 0.4 also finds the sound of "both" (a false detection); 0.75 and 0.8 find the three true pairs and
    # nothing else (a tie: the first wins); 0.95 misses the battery of "both" (cosine 0.89).
    assert asp.best_threshold(reviews, make, [0.4, 0.75, 0.8, 0.95]) == 0.75
    best = asp.best_threshold(reviews, make)  # the default grid, 0.15 … 0.55 in steps of 0.05
    assert isinstance(best, np.floating) and best == pytest.approx(0.45)  # the first above 0.447
