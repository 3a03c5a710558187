"""The report: file schemas checked row by row, parameters checked, and a failed run leaves nothing."""

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers.campaign import budget_audience, decile_table
from helpers.data.report_files import (
    check_report_parameters,
    describe_sample,
    load_report_files,
    outcome_counts,
    sample_customers,
    session_table,
)
from helpers.errors import DataError, ParameterError
from helpers.paths import reports_dir
from helpers.report import main

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
FILES = {name: str(EXAMPLES / f"{name}.csv") for name in ("sessions", "catalog", "reviews")}


def test_the_example_files_load_and_make_session_texts():
    catalog, events, reviews = load_report_files(FILES["sessions"], FILES["catalog"], FILES["reviews"])
    sessions = session_table(events, catalog)
    assert len(sessions) == events["session_id"].nunique() and set(sessions["purchased"]) <= {0, 1}
    assert sessions["text"].str.startswith(("searched", "viewed", "read", "added", "applied")).all()
    assert reviews["category"].notna().all()


def _broken_copy(tmp_path: Path, name: str, change) -> str:
    frame = pd.read_csv(FILES[name], dtype=str, keep_default_na=False)
    path = tmp_path / f"{name}.csv"
    change(frame).to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("catalog", lambda f: f.drop(columns="price"), "missing column.*'price'"),
        ("catalog", lambda f: f.assign(price="cheap"), "line 2, column 'price': expected a finite number"),
        ("catalog", lambda f: f.assign(avg_rating="7"), "column 'avg_rating': value must be <= 5"),
        ("catalog", lambda f: f.assign(attributes="[1]"), "column 'attributes': expected a JSON object"),
        ("sessions", lambda f: f.assign(event="bought"), "column 'event': unknown value"),
        ("sessions", lambda f: f.assign(product_id="999999"), "product_id not in the catalog"),
        ("sessions", lambda f: f.head(0), "no data rows"),
        ("sessions", lambda f: f.assign(user_id=""), "line 2, column 'user_id': empty value"),
        ("sessions", lambda f: f.assign(session_id=" "), "line 2, column 'session_id': empty value"),
        ("reviews", lambda f: f.assign(text=""), "column 'text': empty review"),
    ],
)
def test_bad_files_fail_naming_file_line_and_column(tmp_path, name, change, message):
    paths = dict(FILES) | {name: _broken_copy(tmp_path, name, change)}
    with pytest.raises(DataError, match=message):
        load_report_files(paths["sessions"], paths["catalog"], paths["reviews"])


def test_a_session_level_column_must_not_vary_within_a_session(tmp_path):
    def flip(frame):
        frame.loc[frame.index[1], "purchased"] = "1" if frame.loc[frame.index[0], "purchased"] == "0" else "0"
        return frame

    with pytest.raises(DataError, match="differs between rows of one session"):
        load_report_files(_broken_copy(tmp_path, "sessions", flip), FILES["catalog"])


def test_a_session_id_shared_by_two_users_is_refused(tmp_path):
    # An export that numbers each user's sessions 1, 2, ... gives two customers the same session_id.
    def second_user(frame):
        frame.loc[frame.index[2], "user_id"] = "someone else"
        return frame

    assert pd.read_csv(FILES["sessions"])["session_id"].iloc[:3].nunique() == 1  # rows 0-2: one session
    with pytest.raises(DataError, match="line 4, column 'user_id'.*session_id must be unique across users"):
        load_report_files(_broken_copy(tmp_path, "sessions", second_user), FILES["catalog"])


def test_sample_customers_keeps_whole_customers_up_to_about_max_sessions():
    sessions = pd.DataFrame({"session_id": range(12), "user_id": list("aaaabbcdddee")})
    for max_sessions in (1, 3, 5, 8, 100):
        sample = sample_customers(sessions, max_sessions, seed=1)
        sizes = sessions["user_id"].value_counts()
        assert sample.groupby("user_id").size().equals(sizes[sample["user_id"].unique()].sort_index())
        assert len(sample) <= max_sessions or sample["user_id"].nunique() == 1  # one customer may exceed it
        assert list(sample["session_id"]) == sorted(sample["session_id"])  # the rows keep their order
    assert sample_customers(sessions, 100, seed=1).equals(sessions)
    assert sample_customers(sessions, 5, seed=3).equals(sample_customers(sessions, 5, seed=3))
    draws = {tuple(sample_customers(sessions, 5, seed=seed)["user_id"].unique()) for seed in range(20)}
    assert len(draws) > 1  # the seed chooses the customers
    with pytest.raises(ValueError, match="max_sessions"):
        sample_customers(sessions, 0)


def test_describe_sample_counts_sessions_and_customers():
    pool = pd.DataFrame({"session_id": range(1500), "user_id": np.arange(1500) % 450})
    sample = pool[pool["user_id"] < 100]
    assert describe_sample(sample, pool) == (
        "400 of 1,500 sessions (100 of 450 customers; parameter max_sessions)"  # users 0-149 have 4
    )


def test_outcome_counts_say_whether_the_predictor_can_be_fitted():
    sessions = pd.DataFrame({"purchased": [1] * 50 + [0] * 50})
    assert outcome_counts(sessions) == (True, 50, True)
    assert outcome_counts(sessions.iloc[1:]) == (True, 49, False)  # 49 purchases: fewer than 50
    assert outcome_counts(sessions.iloc[:99]) == (True, 50, False)  # 49 non-purchases
    assert outcome_counts(pd.DataFrame({"text": ["a"]})) == (False, 0, False)
    # one outcome alone ranks nothing: the report goes on as without outcomes
    assert outcome_counts(sessions.assign(purchased=0)) == (False, 0, False)
    assert outcome_counts(sessions.assign(purchased=1)) == (False, 100, False)


def test_report_parameters_are_checked():
    assert check_report_parameters(1.0, 20.0, 100.0, 4, "a, b").target_segments == ("a", "b")
    with pytest.raises(ParameterError, match="contact_cost"):
        check_report_parameters(0.0, 20.0, 100.0, 4, "")
    with pytest.raises(ParameterError, match="go together"):
        check_report_parameters(1.0, 20.0, 100.0, 4, "", sessions_path="x.csv")
    with pytest.raises(ParameterError, match="copy_variants"):
        check_report_parameters(1.0, 20.0, 100.0, 0, "")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-p", "budget", "-5"], "budget"),
        (["-p", "currency", "US dollars"], "parameter 'currency'"),
        (["--sessions", FILES["sessions"]], "go together"),
        (["--sessions", FILES["sessions"], "--catalog", "missing.csv"], "missing.csv"),
        (["-p", "fit_to_outcomes", "maybe"], "fit_to_outcomes"),
        (["-p", "fit_to_outcomes", "yes"], "there is no 'sessions_path'"),
        (
            ["--sessions", FILES["sessions"], "--catalog", FILES["catalog"], "-p", "fit_to_outcomes", "yes"],
            "have 5 purchases: fitting needs at least 50",
        ),
    ],
)
def test_a_failed_report_is_fast_clear_and_leaves_no_file(tmp_path, capsys, arguments, message):
    out = tmp_path / "report"
    started = time.perf_counter()
    assert main([*arguments, "--out", str(out)]) == 1
    assert time.perf_counter() - started < 10
    assert message in capsys.readouterr().err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_an_audience_file_in_the_shared_report_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "report"
    for inside in (out / "audience.csv", reports_dir() / "audience.csv"):
        assert main(["-p", "audience_csv", str(inside), "--out", str(out)]) == 1
        assert "parameter 'audience_csv'" in capsys.readouterr().err and not inside.exists()
    assert list(tmp_path.iterdir()) == []


def test_decile_table_expected_and_observed():
    p = np.linspace(0.01, 0.9, 100)
    labels = (p > 0.5).astype(int)
    table = decile_table(p, labels)
    assert list(table.index) == list(range(1, 11)) and table["customers"].sum() == 100
    assert table["mean_probability"].is_monotonic_decreasing
    assert table["expected_buyers"].sum() == pytest.approx(p.sum())
    assert table.loc[1, "observed_lift"] == pytest.approx(1 / labels.mean())
    assert "buyers" not in decile_table(p)
    assert decile_table(p, unit="sessions")["sessions"].sum() == 100


def test_budget_audience_stops_at_break_even_or_at_the_budget():
    p = np.array([0.9, 0.5, 0.2, 0.04, 0.01])
    free = budget_audience(p, contact_cost=1.0, margin=10.0, budget=100.0)
    assert sorted(free.contacts) == [0, 1, 2] and not free.limited_by_budget  # 10 * 0.04 < 1
    assert free.expected_profit == pytest.approx(10 * 1.6 - 3)
    tight = budget_audience(p, contact_cost=1.0, margin=10.0, budget=2.0)
    assert list(tight.contacts) == [0, 1] and tight.limited_by_budget and tight.cost == 2.0
    assert len(budget_audience(p, 1.0, 0.5, 100.0).contacts) == 0  # nobody pays for a contact
    with pytest.raises(ValueError, match="contact_cost"):
        budget_audience(p, 0.0, 10.0, 10.0)
