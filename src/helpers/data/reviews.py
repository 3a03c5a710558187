"""Review files: Amazon Reviews 2023, the Amazon Alexa reviews, UCI Sentiment Labelled Sentences, or your own.

:func:`load_reviews` reads reviews from CSV, TSV, JSON (Lines, or one array of objects) or
``sentence<TAB>label`` files, with
presets (:data:`REVIEW_PRESETS`) for the three public data sets, checks the ratings or labels, cleans
the texts and returns a :class:`ReviewReport` of what it dropped. :func:`stars_to_sentiment` is the one
mapping from star ratings to the sentiment classes ``neg``/``neu``/``pos``, shared with the simulator.
"""

from __future__ import annotations

import html
import itertools
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.data.files import (
    Source,
    check_encoding,
    data_path,
    json_records,
    read_delimited,
    read_text,
    require_columns,
)
from helpers.errors import DataError, ParameterError
from helpers.params import check_str, quote, shorten


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
# Column names that review files commonly use, in order of preference. A file read without a preset and
# without column names gets the first of each that it has (compared ignoring case).
KNOWN_COLUMNS: dict[str, tuple[str, ...]] = {
    "text": (
        "text",
        "review",
        "review_text",
        "reviewtext",
        "review_body",
        "verified_reviews",
        "content",
        "body",
        "comment",
        "sentence",
    ),
    "rating": ("rating", "stars", "star_rating", "overall", "score", "review_score", "rate"),
    "label": ("label", "sentiment", "polarity", "class", "target"),
}
# Failing those, a column named by more words whose last one says the role. Not "reviews" (counts such as
# "num_reviews") or "score" ("helpfulness_score"): those name numbers that are not the review or its stars.
KNOWN_LAST_WORDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "review", "content", "body", "comment"),
    "rating": ("rating", "stars"),
    "label": ("label", "sentiment", "polarity"),
}
_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
SENTIMENT_BY_STARS = {1: "neg", 2: "neg", 3: "neu", 4: "pos", 5: "pos"}
SENTIMENT_BY_LABEL = {"0": "neg", "1": "pos"}
# Label words, and the numbers of the -1/0/1 (negative/neutral/positive) convention, in sentiment classes.
SENTIMENT_BY_LABEL_WORD = {
    "negative": "neg",
    "neg": "neg",
    "neutral": "neu",
    "neu": "neu",
    "positive": "pos",
    "pos": "pos",
}
SENTIMENT_BY_SIGNED_LABEL = {"-1": "neg", "0": "neu", "1": "pos"}


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
    sentiment_from: str = ""  # the column and the convention the sentiment was read with

    def summary(self) -> str:
        """One line: the file name, each count and where the sentiment came from."""
        return (
            f"{Path(self.path).name}: read {self.rows_read:,} reviews; dropped {self.empty_dropped:,} empty "
            f"and {self.duplicates_dropped:,} duplicate texts ({self.conflicting_duplicates:,} with another "
            f"sentiment than the kept copy); unescaped HTML in {self.html_unescaped:,}; "
            f"kept {self.rows_kept:,}"
            + (f"; sentiment from {self.sentiment_from}" if self.sentiment_from else "")
        )

    def __str__(self) -> str:
        """The :meth:`summary`."""
        return self.summary()


def _read_jsonl(
    path: Path, records: Iterable[tuple[int, dict[str, Any]]], fields: list[str]
) -> tuple[pd.DataFrame, Source]:
    """The ``records`` of a JSON Lines file as a frame of ``fields``; every record must have them all."""
    columns: dict[str, list[Any]] = {field: [] for field in fields}
    lines: list[int] = []
    for number, record in records:
        missing = [field for field in fields if field not in record]
        if missing:
            raise DataError(
                f"{path}, line {number}, column {missing[0]!r}: the record has no field {missing[0]!r}"
            )
        for field in fields:
            columns[field].append(record[field])
        lines.append(number)
    if not lines:
        raise DataError(f"{path}: the file has no JSON records")
    return pd.DataFrame(columns, dtype=object), Source(path, np.asarray(lines))


def _read_labelled_lines(path: Path, encoding: str) -> tuple[pd.DataFrame, Source]:
    """``sentence<TAB>label`` lines without header, split on ``\\n`` only and on the line's last tab.

    ``str.splitlines`` would also split on U+0085 and other separators found inside the sentences, and
    quotes are not special (some sentences hold unbalanced ones).
    """
    sentences: list[str] = []
    labels: list[str] = []
    lines: list[int] = []
    for number, line in enumerate(read_text(path, encoding).split("\n"), start=1):
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
    return pd.DataFrame({"sentence": sentences, "label": labels}, dtype=str), Source(path, np.asarray(lines))


def _texts(raw: pd.DataFrame, source: Source, text_column: str, title_column: str | None) -> pd.Series:
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


def stars_to_sentiment(stars: pd.Series | np.ndarray | Sequence[int]) -> pd.Series:
    """The sentiment class of star ratings: ``neg`` for 1-2 stars, ``neu`` for 3, ``pos`` for 4-5.

    The workbook's one stars -> sentiment mapping, used for real reviews (:func:`load_reviews`) and
    simulated ones (:mod:`helpers.sim.reviews`). A Series keeps its index, other inputs get a
    ``RangeIndex``. A rating that is not a whole number of stars from 1 to 5 raises ``ValueError``.
    """
    stars = stars if isinstance(stars, pd.Series) else pd.Series(np.asarray(stars))
    sentiment = stars.map(SENTIMENT_BY_STARS)
    unknown = sentiment.isna().to_numpy()
    if unknown.any():
        raise ValueError(f"star ratings must be whole numbers from 1 to 5, got {stars[unknown].iloc[0]!r}")
    return sentiment


def _sentiment(
    raw: pd.DataFrame, source: Source, rating_column: str | None, label_column: str | None
) -> tuple[dict[str, pd.Series], str]:
    """``rating`` and/or ``label`` columns, checked, the ``sentiment`` derived from them, and how."""
    columns: dict[str, pd.Series] = {}
    described = ""
    if rating_column is not None:
        rating = source.floats(raw[rating_column], rating_column, minimum=1, maximum=5)
        source.check(rating != rating.round(), raw[rating_column], rating_column, "expected whole stars 1-5")
        columns["rating"] = rating.astype("int64")
        columns["sentiment"] = stars_to_sentiment(columns["rating"])
        described = f"column {quote(rating_column)} (stars: 1-2 negative, 3 neutral, 4-5 positive)"
    if label_column is not None:
        columns["label"], sentiment, convention = _labels(raw[label_column], source, label_column)
        columns.setdefault("sentiment", sentiment)
        described = described or f"column {quote(label_column)} ({convention})"
    return columns, described


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.0+)?")


def _labels(values: pd.Series, source: Source, column: str) -> tuple[pd.Series, pd.Series, str]:
    """A label column, its sentiment classes and the convention read: 0/1, -1/0/1 or words.

    The column holds numbers when at least half its labels are whole numbers ("1", "1.0", "+1"), else
    words (``positive``, ``NEG``...). Numbers follow -1/0/1 (negative/neutral/positive) when a -1
    occurs and 0/1 (negative/positive) otherwise, so a 0 reads as neutral only in a file that also
    has a -1. Numbers stay numbers (int64), words are kept lower-cased; any other label raises,
    naming its line.
    """
    text = values.astype(str).str.strip().str.lower()
    numeric = text.str.fullmatch(_WHOLE_NUMBER.pattern)
    if numeric.mean() >= 0.5:
        text = text.where(~numeric, text[numeric].map(lambda value: str(int(float(value)))))
        signed = (text == "-1").any()
        mapping = SENTIMENT_BY_SIGNED_LABEL if signed else SENTIMENT_BY_LABEL
        convention = "-1/0/1: negative/neutral/positive" if signed else "0/1: negative/positive"
    else:
        mapping, convention = SENTIMENT_BY_LABEL_WORD, "words negative/neutral/positive"
    source.check(
        ~text.isin(list(mapping)),
        values,
        column,
        f"unknown value (allowed: {', '.join(mapping)}; a column holds 0/1, -1/0/1 or the words "
        "negative/neutral/positive; star ratings go in a rating column)",
    )
    labels = text if mapping is SENTIMENT_BY_LABEL_WORD else text.astype("int64")
    return labels, text.map(mapping), convention


def _check_options(**options: Any) -> None:
    """Each option (preset, file format, column names) is None, ``""`` (not given) or a non-empty string."""
    for name, value in options.items():
        if value is not None and not (isinstance(value, str) and value == ""):
            check_str(name, value)


def _review_settings(path: Path, preset: str | None, overrides: ReviewPreset) -> ReviewPreset:
    """The preset's settings with the non-empty ``overrides`` applied and the file format settled.

    Without a preset the format comes from the file suffix; columns left unnamed (``""`` or None) are
    found in the file by :func:`_with_known_columns`.
    """
    if preset is not None and preset not in REVIEW_PRESETS:
        raise DataError(
            f"{path}: unknown review preset {quote(preset)}; presets are {', '.join(REVIEW_PRESETS)}"
        )
    settings = REVIEW_PRESETS[preset] if preset is not None else ReviewPreset(overrides.file_format, "")
    file_format = (
        overrides.file_format or settings.file_format or _SUFFIX_FORMATS.get(path.suffix.lower(), "")
    )
    if file_format not in REVIEW_FORMATS:
        raise DataError(
            f"{path}: unknown review file format {quote(file_format)}; use one of {', '.join(REVIEW_FORMATS)}"
        )
    if file_format == "lines":  # sentence<TAB>label: the columns are fixed
        given = [
            name for name in ("text", "title", "rating", "label") if getattr(overrides, f"{name}_column")
        ]
        if given:
            raise ParameterError(
                f"{path}: a sentence<TAB>label file has no named columns; leave "
                f"{', '.join(f'{name}_column' for name in given)} empty"
            )
        return ReviewPreset(file_format, "sentence", label_column="label")
    return ReviewPreset(
        file_format,
        overrides.text_column or settings.text_column,
        title_column=overrides.title_column or settings.title_column,
        rating_column=overrides.rating_column or settings.rating_column,
        label_column=overrides.label_column or settings.label_column,
    )


def _plain_name(column: str) -> str:
    """A column name by its words: ``"Review Text"`` -> ``review_text``."""
    return re.sub(r"[^0-9a-z]+", "_", str(column).lower()).strip("_")


def _known_column(columns: Sequence[str], role: str) -> str | None:
    """The column of ``columns`` that plays ``role``, as spelled there; None when there is none.

    Names are compared by their words (:func:`_plain_name`: case and separators ignored). The first name
    of ``KNOWN_COLUMNS[role]`` that a column has wins; failing that, the first column whose last word is
    one of ``KNOWN_LAST_WORDS[role]`` (``reviews.rating``, ``airline_sentiment``, ``Customer Review``).
    """
    by_name = {_plain_name(name): name for name in reversed(columns)}
    exact = next((by_name[name] for name in KNOWN_COLUMNS[role] if name in by_name), None)
    last_word = KNOWN_LAST_WORDS[role]
    return exact or next(
        (name for name in columns if _plain_name(name).rsplit("_", 1)[-1] in last_word), None
    )


def _with_known_columns(
    settings: ReviewPreset, columns: Sequence[str], path: Path, has: str = "the file has"
) -> ReviewPreset:
    """``settings`` with its unnamed text column, and unnamed rating and label, found in ``columns``."""
    available = f"{has} {shorten(', '.join(map(repr, columns)))}"
    text_column = settings.text_column or _known_column(columns, "text")
    if text_column is None:
        raise DataError(
            f"{path}: no review text column; {available}; name it with text_column "
            f"(found by itself: {', '.join(KNOWN_COLUMNS['text'])})"
        )
    rating_column, label_column = settings.rating_column, settings.label_column
    if rating_column is None and label_column is None:
        rating_column, label_column = _known_column(columns, "rating"), _known_column(columns, "label")
        if rating_column is None and label_column is None:
            raise DataError(
                f"{path}: no rating or label column to derive the sentiment from; {available}; "
                "give a rating_column (stars 1-5) or a label_column (0/1, -1/0/1, negative/neutral/"
                f"positive), or a preset (found by themselves: {', '.join(KNOWN_COLUMNS['rating'])}; "
                f"{', '.join(KNOWN_COLUMNS['label'])})"
            )
        if rating_column is not None:  # the rating wins when both are there: keep only what is used
            label_column = None
    return ReviewPreset(
        settings.file_format,
        text_column,
        title_column=settings.title_column,
        rating_column=rating_column,
        label_column=label_column,
    )


def _columns(settings: ReviewPreset) -> list[str]:
    """The columns ``settings`` reads, each once."""
    columns = (settings.text_column, settings.title_column, settings.rating_column, settings.label_column)
    return list(dict.fromkeys(column for column in columns if column))


def _read_reviews(
    path: Path, settings: ReviewPreset, encoding: str
) -> tuple[pd.DataFrame, Source, ReviewPreset]:
    """The raw rows of a review file in ``settings.file_format``, and the settings with every column named."""
    if settings.file_format == "lines":
        return *_read_labelled_lines(path, encoding), settings
    named = settings.text_column and (settings.rating_column or settings.label_column)
    if settings.file_format == "jsonl":
        records = json_records(path, encoding)
        first = None if named else next(records, None)
        if first is not None:  # the file is read once: the first record names the columns, then goes back
            settings = _with_known_columns(settings, list(first[1]), path, "its first record has")
            records = itertools.chain([first], records)
        return *_read_jsonl(path, records, _columns(settings)), settings
    raw, source = read_delimited(path, "," if settings.file_format == "csv" else "\t", encoding)
    if not named:
        settings = _with_known_columns(settings, list(raw.columns), path)
    require_columns(raw, _columns(settings), path)
    return raw, source, settings


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
    ``jsonl``, ``lines``) is taken from the file suffix, and columns not named are found by their usual
    names (:data:`KNOWN_COLUMNS`: ``text``/``review``/``content``..., ``rating``/``stars``/``score``...,
    ``label``/``sentiment``/``polarity``...). ``sentiment`` is ``neg`` for 1-2 stars, ``neu`` for 3,
    ``pos`` for 4-5; a ``label`` of 0/1 maps to ``neg``/``pos``, -1/0/1 to ``neg``/``neu``/``pos``, and
    the words ``negative``/``neutral``/``positive`` (or ``neg``/``neu``/``pos``, any case) to their class
    (the rating wins when both are given). ``line`` is the row's line in the file.

    Cleaning: ``<br />`` tags become spaces, HTML entities (``&#34;``) are unescaped, texts are stripped,
    empty texts dropped and, with ``deduplicate``, repeated texts dropped keeping the first. The
    :class:`ReviewReport` counts each of these.
    """
    _check_options(
        preset=preset,
        file_format=file_format,
        text_column=text_column,
        title_column=title_column,
        rating_column=rating_column,
        label_column=label_column,
    )
    if not isinstance(deduplicate, bool | np.bool_):
        raise ParameterError(f"parameter 'deduplicate' must be True or False, got {quote(deduplicate)}")
    check_encoding(encoding)
    path = data_path(path)
    overrides = ReviewPreset(
        file_format or "",
        text_column or "",
        title_column=title_column,
        rating_column=rating_column,
        label_column=label_column,
    )
    settings = _review_settings(path, preset, overrides)
    raw, source, settings = _read_reviews(path, settings, encoding)
    text = _texts(raw, source, settings.text_column, settings.title_column)
    cleaned = text.str.replace(_BREAK_TAG, " ", regex=True).map(html.unescape).str.strip()
    labels, sentiment_from = _sentiment(raw, source, settings.rating_column, settings.label_column)
    frame = pd.DataFrame({"line": source.lines, "text": cleaned, **labels}, index=raw.index)
    empty = (frame["text"] == "").to_numpy()
    if empty.all():
        raise source.error(
            f"all {len(frame):,} texts are empty (column {quote(settings.text_column, 60)}); "
            "is the text column the right one?"
        )
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
        sentiment_from=sentiment_from,
    )
    return frame, report
