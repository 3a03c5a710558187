"""Hostile inputs to the loaders, parameters and run names: each is a clear error or a reported filter.

Every case of :data:`CASES` must raise the expected workbook error (never a raw ``TypeError``,
``OverflowError`` or ``KeyError`` traceback) whose message names the parameter or the file and stays
under 500 characters, and must do so at once (no hang). :data:`FILTERS` are inputs the loaders accept on
purpose, and report.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
import torch

import helpers
from data_fixtures import fixture_text
from helpers.data.cdnow import load_cdnow
from helpers.data.reviews import load_reviews
from helpers.data.shoppers import load_online_shoppers
from helpers.errors import DataError, DataFileNotFoundError, ModelNotFoundError, ParameterError
from helpers.netguard import allow_network
from helpers.run_log import metrics_path, read_metrics, record_metric, set_notebook

MAX_MESSAGE = 500
MAX_SECONDS = 10.0  # generous for a loaded 2-core machine; the hub retries this guards against took 47 s
HUGE = "x" * 50_000_000  # a 50 MB value: its message must still be short

SHOPPERS = fixture_text("online_shoppers_small.csv")
CDNOW = fixture_text("CDNOW_master_small.txt").replace("\r\n", "\n")
ALEXA = fixture_text("amazon_alexa_small.tsv")
AMAZON = fixture_text("amazon_reviews_2023_small.jsonl")
SENTENCES = fixture_text("sentiment_labelled_small.txt")


@pytest.fixture(autouse=True)
def _network_restored() -> Any:
    """helpers.start blocks the network before it checks its arguments; give it back after each test."""
    yield
    allow_network()


@dataclass(frozen=True)
class Case:
    """A hostile call: ``call(tmp_path)`` must raise ``error`` with each of ``words`` in its message."""

    id: str
    call: Callable[[Path], Any]
    error: type[Exception]
    words: tuple[str, ...]


def write(tmp: Path, name: str, content: str | bytes) -> Path:
    """``content`` written to ``tmp/name`` (text as UTF-8, lone surrogates as the bytes they stand for)."""
    path = tmp / name
    data = content if isinstance(content, bytes) else content.encode("utf-8", errors="surrogateescape")
    path.write_bytes(data)
    return path


def shoppers(content: str | bytes, name: str = "shoppers.csv") -> Callable[[Path], Any]:
    return lambda tmp: load_online_shoppers(write(tmp, name, content))


def cdnow(content: str, **options: Any) -> Callable[[Path], Any]:
    return lambda tmp: load_cdnow(write(tmp, "cdnow.txt", content), **options)


def reviews(name: str, content: str | bytes, *args: Any, **options: Any) -> Callable[[Path], Any]:
    return lambda tmp: load_reviews(write(tmp, name, content), *args, **options)


def cdnow_fixture(**options: Any) -> Callable[[Path], Any]:
    return lambda tmp: load_cdnow(write(tmp, "cdnow.txt", CDNOW), **options)


class StubTokenizer:
    """Enough of a tokenizer to pass the type check, so the max_length checks are reached."""

    def __call__(self, texts: Any, **kwargs: Any) -> dict[str, list[list[int]]]:
        return {"input_ids": [[1] for _ in texts]}

    def num_special_tokens_to_add(self) -> int:
        return 2


def start(notebook: Any = "99_hostile", **options: Any) -> Callable[[Path], Any]:
    options.setdefault("profile", "cpu")
    return lambda tmp: helpers.start(notebook, banner=False, **options)


def reports_in_a_file(tmp: Path) -> Any:
    (tmp / "reports").write_text("a file where the reports folder should be")
    with mock.patch.dict(os.environ, {"WORKBOOK_REPORTS_DIR": str(tmp / "reports")}):
        return helpers.start("99_hostile", profile="cpu", banner=False)


def corrupt_metrics(tmp: Path) -> Any:
    set_notebook("99_corrupt")
    record_metric("auc", 0.5)
    metrics_path("99_corrupt").write_text('{"auc": 0.5')  # cut mid-write by hand
    return read_metrics("99_corrupt")


CASES = [
    # ---- run names and seeds: checked before any file is touched --------------------------------------
    Case("name-parent-dirs", start("../../x"), ParameterError, ("'notebook'", "plain name")),
    Case("name-slash", start("a/b"), ParameterError, ("'notebook'", "plain name")),
    Case("name-backslash", start("..\\x"), ParameterError, ("'notebook'",)),
    Case("name-hidden", start(".bashrc"), ParameterError, ("'notebook'",)),
    Case("name-nul", start("x\0y"), ParameterError, ("'notebook'",)),
    Case("name-empty", start(""), ParameterError, ("'notebook'", "non-empty")),
    Case("name-none", start(None), ParameterError, ("'notebook'",)),
    Case("name-huge", start(HUGE), ParameterError, ("'notebook'",)),
    Case("name-unicode", start("übung"), ParameterError, ("'notebook'",)),
    Case("seed-2**32", start(seed=2**32), ParameterError, ("'seed'", "<= 4294967295")),
    Case("seed-negative", start(seed=-1), ParameterError, ("'seed'", ">= 0")),
    Case("seed-float", start(seed=1.5), ParameterError, ("'seed'", "integer")),
    Case("seed-text", start(seed="7"), ParameterError, ("'seed'", "integer")),
    Case("metric-name-path", lambda tmp: record_metric("../evil", 1, "99_x"), ParameterError, ("'metric'",)),
    Case("reports-dir-is-a-file", reports_in_a_file, ParameterError, ("WORKBOOK_REPORTS_DIR", "folder")),
    Case("metrics-file-corrupt", corrupt_metrics, DataError, ("99_corrupt.json", "not a metrics file")),
    # ---- profile overrides -------------------------------------------------------------------------
    Case("epochs-text", start(epochs="3"), ParameterError, ("'epochs'", "integer")),
    Case("batch-negative", start(batch_size=-1), ParameterError, ("'batch_size'", ">= 1")),
    Case("lr-nan", start(learning_rate=float("nan")), ParameterError, ("'learning_rate'", "finite")),
    Case("lr-inf", start(learning_rate=float("inf")), ParameterError, ("'learning_rate'", "finite")),
    Case("lr-huge-int", start(learning_rate=10**400), ParameterError, ("'learning_rate'", "finite")),
    Case("max-length-20-digits", start(max_length=10**20), ParameterError, ("'max_length'", "<= 512")),
    Case("epochs-fraction", start(epochs=2.5), ParameterError, ("'epochs'", "integer")),
    Case("n-users-bool", start(n_users=True), ParameterError, ("'n_users'", "integer")),
    Case("profile-list", start(profile=["cpu"]), ParameterError, ("'profile'", "'cpu'")),
    Case("profile-huge", start(profile=HUGE), ParameterError, ("'profile'", "'auto'")),
    Case("profile-array", start(profile=np.array(["cpu", "gpu"])), ParameterError, ("'profile'",)),
    # ---- paths and encodings -----------------------------------------------------------------------
    Case("path-none", lambda tmp: load_online_shoppers(None), ParameterError, ("'path'", "None")),
    Case("path-empty", lambda tmp: load_online_shoppers(""), ParameterError, ("'path'",)),
    Case("path-nul", lambda tmp: load_online_shoppers(tmp / "a\0b.csv"), ParameterError, ("'path'", "NUL")),
    Case("path-number", lambda tmp: load_online_shoppers(42), ParameterError, ("'path'", "42")),
    Case("path-folder", lambda tmp: load_online_shoppers(tmp), DataError, ("is a folder", "'path'")),
    Case(
        "path-missing",
        lambda tmp: load_online_shoppers(tmp / "nope.csv"),
        DataFileNotFoundError,
        ("nope.csv",),
    ),
    Case("cdnow-source-none", lambda tmp: load_cdnow(None), ParameterError, ("'source'",)),
    Case(
        "encoding-unknown",
        reviews("r.csv", "text,stars\nok,5\n", encoding="utf-9"),
        ParameterError,
        ("'encoding'", "'utf-9'"),
    ),
    Case(
        "encoding-transform",
        reviews("r.csv", "text,stars\nok,5\n", encoding="rot13"),
        ParameterError,
        ("'encoding'",),
    ),
    Case(
        "encoding-none",
        reviews("r.csv", "text,stars\nok,5\n", encoding=None),
        ParameterError,
        ("'encoding'",),
    ),
    # ---- file contents -----------------------------------------------------------------------------
    Case(
        "tsv-as-csv",
        shoppers(SHOPPERS.replace(",", "\t")),
        DataError,
        ("shoppers.csv", "line 1", "looks like a tab"),
    ),
    Case(
        "semicolon-csv",
        shoppers(SHOPPERS.replace(",", ";")),
        DataError,
        ("shoppers.csv", "looks like a semicolon"),
    ),
    Case(
        "count-20-digits",
        shoppers(SHOPPERS.replace(",45,", ",12345678901234567890,")),
        DataError,
        ("line 3", "'ProductRelated'", "too large"),
    ),
    Case(
        "count-other-digits",
        shoppers(SHOPPERS.replace(",45,", ",٤٥,")),
        DataError,
        ("line 3", "'ProductRelated'", "whole number"),
    ),
    Case(
        "field-100kb",
        shoppers(SHOPPERS.replace(",Nov,", "," + "N" * 100_000 + ",")),
        DataError,
        ("line 3", "'Month'", "..."),
    ),
    Case(
        "field-50mb",
        shoppers(SHOPPERS.replace(",Nov,", f",{HUGE},")),
        DataError,
        ("shoppers.csv", "line 3", "field larger"),
    ),
    Case(
        "zip-as-csv",
        shoppers(b"PK\x03\x04" + bytes(range(256)) * 4),
        DataError,
        ("shoppers.csv", "ZIP archive"),
    ),
    Case(
        "utf16-file",
        shoppers(SHOPPERS.encode("utf-16")),
        DataError,
        ("shoppers.csv", "UTF-16 byte-order mark"),
    ),
    Case(
        "nul-in-field",
        shoppers(SHOPPERS.replace("Dec,", "De\0c,")),
        DataError,
        ("shoppers.csv", "line 6", "NUL"),
    ),
    Case(
        "nan-value",
        shoppers(SHOPPERS.replace(",12.30456,", ",nan,")),
        DataError,
        ("line 3", "'PageValues'", "finite"),
    ),
    Case(
        "inf-value",
        shoppers(SHOPPERS.replace("2,80.5,", "2,inf,")),
        DataError,
        ("line 3", "'Administrative_Duration'", "finite"),
    ),
    Case("blank-file", shoppers(" \n\t\n"), DataError, ("shoppers.csv", "empty")),
    Case(
        "repeated-header",
        shoppers(SHOPPERS.replace("Browser", "Region", 1)),
        DataError,
        ("line 1", "repeats", "Region"),
    ),
    # ---- CDNOW -------------------------------------------------------------------------------------
    Case(
        "cdnow-1900",
        cdnow(CDNOW.replace("19970301", "19000301")),
        DataError,
        ("cdnow.txt", "line 5", "before 1997-01-01"),
    ),
    Case(
        "cdnow-date-text",
        cdnow_fixture(calibration_end="1997-13-45"),
        ParameterError,
        ("'calibration_end'", "calendar date"),
    ),
    Case("cdnow-date-none", cdnow_fixture(calibration_end=None), ParameterError, ("'calibration_end'",)),
    Case("cdnow-date-int", cdnow_fixture(holdout_end=19980630), ParameterError, ("'holdout_end'",)),
    Case(
        "cdnow-date-2030",
        cdnow_fixture(holdout_end="2030-01-01"),
        ParameterError,
        ("'holdout_end'", "1998-06-30"),
    ),
    Case(
        "cdnow-cds-20-digits",
        cdnow(CDNOW.replace("19970325  3", "19970325  99999999999999999999")),
        DataError,
        ("line 9", "'number_of_cds'", "too large"),
    ),
    Case(
        "cdnow-dollars-1e999",
        cdnow(CDNOW.replace("11.77", "1e999")),
        DataError,
        ("line 2", "'dollar_value'", "finite"),
    ),
    Case(
        "cdnow-max-length-negative",
        cdnow_fixture(tokenizer=StubTokenizer(), max_length=-5),
        ParameterError,
        ("'max_length'", ">= 8"),
    ),
    Case(
        "cdnow-max-length-text",
        cdnow_fixture(tokenizer=StubTokenizer(), max_length="256"),
        ParameterError,
        ("'max_length'", "integer"),
    ),
    Case(
        "cdnow-tokenizer-name",
        cdnow_fixture(tokenizer="minilm", max_length=64),
        ParameterError,
        ("'tokenizer'", "load_tokenizer"),
    ),
    Case("cdnow-max-length-alone", cdnow_fixture(max_length=64), ParameterError, ("'tokenizer'", "both")),
    Case("cdnow-three-fields", cdnow("00001 19970101 1\n"), DataError, ("cdnow.txt", "line 1", "3 fields")),
    # ---- reviews -----------------------------------------------------------------------------------
    Case(
        "reviews-all-empty",
        reviews("r.csv", "text,stars\n  ,5\n<br />,4\n", rating_column="stars"),
        DataError,
        ("r.csv", "all 2 texts are empty", "'text'"),
    ),
    Case(
        "reviews-deep-json",
        reviews("r.jsonl", "[" * 100_000 + "\n", "amazon_2023"),
        DataError,
        ("r.jsonl", "line 1", "nested"),
    ),
    Case(
        "reviews-nan-rating",
        reviews("r.jsonl", '{"text": "ok", "title": "", "rating": NaN}\n', "amazon_2023"),
        DataError,
        ("line 1", "'rating'", "finite"),
    ),
    Case(
        "reviews-bool-rating",
        reviews("r.jsonl", '{"text": "ok", "title": "", "rating": true}\n', "amazon_2023"),
        DataError,
        ("line 1", "'rating'", "number"),
    ),
    Case(
        "reviews-dedupe-text",
        reviews("r.csv", "text,stars\nok,5\n", rating_column="stars", deduplicate="no"),
        ParameterError,
        ("'deduplicate'",),
    ),
    Case(
        "reviews-column-number",
        reviews("r.csv", "text,stars\nok,5\n", text_column=5, rating_column="stars"),
        ParameterError,
        ("'text_column'",),
    ),
    Case("reviews-preset-list", reviews("r.tsv", ALEXA, ["alexa"]), ParameterError, ("'preset'",)),
    Case(
        "reviews-tsv-as-csv",
        reviews("alexa.csv", ALEXA, "alexa", file_format="csv"),
        DataError,
        ("alexa.csv", "looks like a tab"),
    ),
    Case(
        "reviews-label-2",
        reviews("s.txt", SENTENCES.replace("value.\t1", "value.\t2", 1), "uci_sentences"),
        DataError,
        ("line 2", "'label'", "unknown value"),
    ),
    # ---- models ------------------------------------------------------------------------------------
    Case(
        "model-hub-name-offline",
        lambda tmp: helpers.load_tokenizer("no-such-org/no-such-model"),
        ModelNotFoundError,
        ("'no-such-org/no-such-model'", "offline"),
    ),
    Case(
        "model-path-escape",
        lambda tmp: helpers.load_encoder(str(tmp / "../../no-model")),
        ModelNotFoundError,
        ("no model at local path",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hostile_input_is_a_clear_error(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    started = time.perf_counter()
    with pytest.raises(case.error) as caught:
        case.call(tmp_path)
    seconds = time.perf_counter() - started
    message = str(caught.value)
    assert isinstance(caught.value, ParameterError | DataError | ModelNotFoundError), type(caught.value)
    assert len(message) < MAX_MESSAGE, f"{len(message)} characters: {message[:300]}..."
    for words in case.words:
        assert words in message, message
    assert seconds < MAX_SECONDS, f"took {seconds:.1f} s"


def test_there_are_at_least_forty_cases() -> None:
    assert len(CASES) >= 40 and len({case.id for case in CASES}) == len(CASES)


def test_a_bad_run_name_deletes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reports = tmp_path / "a" / "b"
    monkeypatch.setenv("WORKBOOK_REPORTS_DIR", str(reports))
    victim = tmp_path / "x.json"  # where "../../x" would land from reports/metrics/
    victim.write_text("{}")
    with pytest.raises(ParameterError):
        helpers.start("../../x", profile="cpu", banner=False)
    assert victim.exists()


def test_numpy_numbers_are_accepted() -> None:
    assert helpers.check_int("seed", np.int64(3), minimum=0) == 3
    assert type(helpers.check_int("seed", np.uint32(3))) is int
    assert helpers.check_float("lr", np.float32(0.5), 0.0, 1.0) == 0.5
    assert helpers.resolve_profile("cpu", epochs=np.int64(2), learning_rate=np.float64(1e-4)).epochs == 2
    # 0 keeps the profile's value, so batch_size=0 is not refused (see helpers.profiles).
    assert (
        helpers.resolve_profile("cpu", batch_size=0).batch_size == helpers.resolve_profile("cpu").batch_size
    )


def test_gpu_profile_without_cuda_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ParameterError, match="no CUDA device was found.*'auto'.*'cpu'"):
        helpers.start("99_gpu", profile="gpu", banner=False)


# --------------------------------------------------------------------------------------------------------
# Accepted on purpose, and reported
# --------------------------------------------------------------------------------------------------------


def test_cdnow_purchase_after_the_data_is_a_reported_filter(tmp_path: Path) -> None:
    path = write(tmp_path, "cdnow.txt", CDNOW + " 00001 20300101  1   10.00\n")
    with pytest.warns(UserWarning, match="left out 2 lines after holdout_end"):
        summary = load_cdnow(path)
    assert summary.attrs["report"].lines_after_holdout == 2  # the 2030 line and the fixture's 1998-07-01
    assert summary.set_index("customer_id").loc["00001", "holdout_transactions"] == 0


def test_cdnow_exact_duplicate_lines_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "cdnow.txt", CDNOW + " 00001 19970101  1   11.77\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the fixture's 1998-07-01 line
        summary = load_cdnow(path)
    assert summary.attrs["report"].duplicate_lines == 1
    assert summary.set_index("customer_id").loc["00001", "calibration_spend"] == pytest.approx(2 * 11.77)


def test_reviews_with_some_empty_texts_report_them(tmp_path: Path) -> None:
    frame, report = load_reviews(write(tmp_path, "r.csv", "text,stars\nok,5\n ,4\n"), rating_column="stars")
    assert len(frame) == 1 and report.empty_dropped == 1
