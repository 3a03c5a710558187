"""Tests for helpers.data.reviews: the three presets on small fixtures, custom columns, the one stars ->
sentiment mapping, malformed files, and the real Alexa reviews under ../shared/data (skipped when absent)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from data_fixtures import FIXTURES, check_data_error, fixture_text, shared_file
from helpers.data.reviews import REVIEW_PRESETS, ReviewReport, load_reviews, stars_to_sentiment
from helpers.errors import DataError, ParameterError


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
    with pytest.raises(ParameterError, match=r"no named columns; leave text_column, label_column empty"):
        load_reviews(FIXTURES / "sentiment_labelled_small.txt", text_column="review", label_column="y")


def test_reviews_custom_columns_and_conflicts(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    path.write_text('id,review,stars\n1,"Great, thanks",5\n2,Meh,3\n3,"Great, thanks",1\n4,Meh,3\n')
    reviews, report = load_reviews(path, text_column="review", rating_column="stars")
    assert reviews["text"].tolist() == ["Great, thanks", "Meh"]
    assert (report.duplicates_dropped, report.conflicting_duplicates) == (2, 1)
    kept, report = load_reviews(path, text_column="review", rating_column="stars", deduplicate=False)
    assert len(kept) == 4 and report.duplicates_dropped == 0


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        # IMDB-like: label words in a "sentiment" column, text in "review"
        ("imdb.csv", "review,sentiment\nLoved it,positive\nDull,NEGATIVE\n", ["pos", "neg"]),
        # Amazon Fine Food-like: capitalised names, 1-5 stars in "Score"
        (
            "food.csv",
            "Id,Score,Summary,Text\n1,5,Yum,Tasty\n2,3,Ok,So so\n3,1,No,Stale\n",
            ["pos", "neu", "neg"],
        ),
        # older Amazon JSON Lines: reviewText and overall (floats of whole stars)
        (
            "old.jsonl",
            '{"reviewText": "Works", "overall": 4.0}\n{"reviewText": "Broke", "overall": 2.0}\n',
            ["pos", "neg"],
        ),
        # a -1/0/1 polarity column in a TSV, text in "content"
        ("tweets.tsv", "content\tpolarity\ngreat\t1\nmeh\t0\nawful\t-1\n", ["pos", "neu", "neg"]),
        # both a rating and a label: the rating wins
        ("both.csv", "text,label,rating\nnice,0,5\n", ["pos"]),
        # Women's clothing reviews: names with spaces and capitals; the count column is not the text
        (
            "clothing.csv",
            "Clothing ID,num_reviews,Title,Review Text,Rating\n7,2,Cute,Fits well,5\n8,4,No,Tore,2\n",
            ["pos", "neg"],
        ),
        # Datafiniti-like dotted names: the last word says the role
        (
            "datafiniti.csv",
            "reviews.date,reviews.rating,reviews.text\n2017-01-01,4,Handy\n2017-02-01,1,Dead\n",
            ["pos", "neg"],
        ),
        # airline tweets: the label column is named "airline_sentiment"
        ("tweets.csv", "tweet_id,airline_sentiment,text\n1,negative,late\n2,neutral,ok\n", ["neg", "neu"]),
        # Flipkart-like: "Review" and "Rate"
        ("flipkart.csv", "Review,Rate,Summary\nGood phone,5,Nice\nBad,1,Meh\n", ["pos", "neg"]),
    ],
)
def test_columns_found_by_their_usual_names(
    tmp_path: Path, name: str, content: str, expected: list[str]
) -> None:
    path = tmp_path / name
    path.write_text(content)
    reviews, _ = load_reviews(path)
    assert reviews["sentiment"].tolist() == expected
    assert reviews["text"].str.len().gt(0).all() and not reviews["text"].str.isdigit().any()


def test_label_conventions_keep_numbers_and_words(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("text,label\na,1\nb,0\n")
    assert load_reviews(path)[0]["label"].tolist() == [1, 0]
    path.write_text("text,label\na,Pos\nb,neutral\n")
    reviews, _ = load_reviews(path)
    assert reviews["label"].tolist() == ["pos", "neutral"] and reviews["sentiment"].tolist() == ["pos", "neu"]
    path.write_text("text,label\na,1\nb,2\n")  # 1/2 is ambiguous (polarity sets, or stars): refused
    with pytest.raises(DataError, match=r"line 3, column 'label': unknown value \(allowed: 0, 1;"):
        load_reviews(path)
    path.write_text("text,label\na,positive\nb,1\nc,negative\n")  # mostly words: the number is refused
    with pytest.raises(DataError, match=r"line 3.*unknown value \(allowed: negative, neg, neutral"):
        load_reviews(path)
    path.write_text("text,label\na,1.0\nb,0.0\nc,+1\n")  # numbers as pandas or JSON write them
    reviews, report = load_reviews(path)
    assert reviews["label"].tolist() == [1, 0, 1] and reviews["sentiment"].tolist() == ["pos", "neg", "pos"]
    assert report.sentiment_from == "column 'label' (0/1: negative/positive)" and "sentiment from" in str(
        report
    )
    path.write_text("text,label\na,-1\nb,0\n")  # a -1 makes 0 neutral
    reviews, report = load_reviews(path)
    assert reviews["sentiment"].tolist() == ["neg", "neu"] and "-1/0/1" in report.sentiment_from


def test_a_json_array_of_reviews_is_read_with_the_line_of_each_record(tmp_path: Path) -> None:
    path = tmp_path / "reviews.json"
    path.write_text('[\n {"text": "good", "rating": 5},\n\n {"text": "bad",\n  "rating": 1}\n]\n')
    reviews, _ = load_reviews(path)
    assert reviews[["line", "sentiment"]].values.tolist() == [[2, "pos"], [4, "neg"]]
    path.write_text('[{"text": "a", "rating": 5}, {"text": "b", "rating": 2}]')  # all on one line
    assert load_reviews(path)[0]["sentiment"].tolist() == ["pos", "neg"]
    for content, message in (
        ('[{"text": "a", "rating": 5}\n {"text": "b", "rating": 1}]', r"line 2: invalid JSON \(expected ','"),
        ('[{"text": "a", "rating": 5},\n "b"]', r"line 2: expected a JSON object, got str"),
        ('[{"text": "a", "rating": 5},\n {"text": }]', r"line 2: invalid JSON"),
        ("[]", r"no JSON records"),
    ):
        path.write_text(content)
        with pytest.raises(DataError, match=message):
            load_reviews(path)


def test_jsonl_without_a_preset_reports_a_bad_first_record_by_its_line(tmp_path: Path) -> None:
    path = tmp_path / "reviews.jsonl"
    for content, message in (
        ('{"text": "ok", "rating": 5\n', r"line 1: invalid JSON"),
        ('\n[1, 2]\n{"text": "ok", "rating": 5}\n', r"line 2: expected a JSON object"),
        ("\n\n", r"the file is empty"),
        (
            '{"body": "ok", "helpful": 3}\n',
            r"no rating or label column.*its first record has 'body', 'helpful'",
        ),
    ):
        path.write_text(content)
        with pytest.raises(DataError, match=message):
            load_reviews(path)


def test_presets_are_documented() -> None:
    assert set(REVIEW_PRESETS) == {"amazon_2023", "alexa", "uci_sentences"}
    assert all(preset.description for preset in REVIEW_PRESETS.values())


def test_one_stars_to_sentiment_mapping_for_real_and_simulated_reviews() -> None:
    import helpers.sim.reviews as simulated

    assert stars_to_sentiment([1, 2, 3, 4, 5]).tolist() == ["neg", "neg", "neu", "pos", "pos"]
    indexed = stars_to_sentiment(pd.Series([5, 3], index=[7, 9]))
    assert indexed.index.tolist() == [7, 9] and indexed.tolist() == ["pos", "neu"]
    for bad in (0, 6, 2.5):
        with pytest.raises(ValueError, match="1 to 5"):
            stars_to_sentiment([4, bad])
    # The simulator labels its reviews with the same function, so both give the same classes.
    assert simulated.stars_to_sentiment is stars_to_sentiment
    assert not hasattr(simulated, "sentiment_class")
    rng = np.random.default_rng(0)
    catalog = pd.DataFrame({"product_id": [0], "avg_rating": [3.0], "category": ["headphones"]})
    purchases = pd.DataFrame({"session_id": range(200), "user_id": range(200), "product_id": 0})
    made = simulated.make_reviews(purchases, catalog, rng)
    assert set(made["rating"]) == {1, 2, 3, 4, 5}
    assert made["sentiment"].tolist() == stars_to_sentiment(made["rating"]).tolist()
    path = FIXTURES / "amazon_alexa_small.tsv"
    loaded, _ = load_reviews(path, "alexa")
    assert loaded["sentiment"].tolist() == stars_to_sentiment(loaded["rating"]).tolist()


# --------------------------------------------------------------------------------------------------------
# Malformed inputs: one DataError naming the file and the line or column
# --------------------------------------------------------------------------------------------------------

ALEXA = fixture_text("amazon_alexa_small.tsv")
AMAZON = fixture_text("amazon_reviews_2023_small.jsonl")
SENTENCES = fixture_text("sentiment_labelled_small.txt")


def _amazon_line(line: int, **changes: object) -> str:
    lines = AMAZON.split("\n")
    record = json.loads(lines[line - 1])
    record.update(changes)
    for key in [key for key, value in changes.items() if value is ...]:
        del record[key]
    lines[line - 1] = json.dumps(record)
    return "\n".join(lines)


LOADERS: dict[str, Callable[[Path], object]] = {
    "alexa": lambda path: load_reviews(path, "alexa"),
    "amazon_2023": lambda path: load_reviews(path, "amazon_2023"),
    "uci_sentences": lambda path: load_reviews(path, "uci_sentences"),
    "csv_reviews": lambda path: load_reviews(path, text_column="review", rating_column="stars"),
}

MALFORMED = [
    # (case id, loader, file name, content, words the message must contain)
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
    check_data_error(tmp_path, LOADERS[loader], name, content, expected)


def test_unknown_preset_and_format(tmp_path: Path) -> None:
    path = tmp_path / "reviews.xml"
    path.write_text("<reviews/>")
    with pytest.raises(DataError, match=r"reviews\.xml.*unknown review preset 'imdb'.*amazon_2023"):
        load_reviews(path, "imdb")
    with pytest.raises(DataError, match=r"reviews\.xml.*unknown review file format ''"):
        load_reviews(path, rating_column="stars")
    path.write_text("id,note,helpful\n1,fine,3\n")
    with pytest.raises(
        DataError, match=r"reviews\.xml: no review text column.*'id', 'note', 'helpful'.*text_column"
    ):
        load_reviews(path, file_format="csv")
    with pytest.raises(DataError, match=r"reviews\.xml: no rating or label column.*'note'.*rating_column"):
        load_reviews(path, file_format="csv", text_column="note")


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
