"""Campaign planning: money and currency, deciles, the band below the cut-off, the checks of a plan
against outcomes and their verdict, the product a segment's copy promotes, and the summary's sentences."""

import math

import numpy as np
import pandas as pd
import pytest

from helpers.campaign import (
    OutcomeCheck,
    PlanChecks,
    audience_line,
    audience_table,
    below_cutoff,
    budget_audience,
    check_audience_path,
    check_currency,
    decile_table,
    money,
    outcome_check,
    outcomes_line,
    plan_checks,
    plan_verdict,
    promoted_product,
    rate_interval,
    segment_table,
    write_audience,
)
from helpers.errors import ParameterError


@pytest.mark.parametrize("value", ["$", "€", "EUR", "US$", "kr."])
def test_a_short_currency_is_accepted(value):
    assert check_currency(value) == value


@pytest.mark.parametrize("value", ["", "dollars", "1$", "E R", "*$*", "$\n", 5, None])
def test_a_currency_that_is_long_empty_or_not_text_is_refused(value):
    with pytest.raises(ParameterError, match="parameter 'currency'"):
        check_currency(value)


def test_money_puts_a_symbol_before_and_a_code_after_the_amount():
    assert money(1442, "$") == "$1,442" and money(1442.0, "EUR") == "1,442 EUR"
    assert money(0.5, "€") == "€0.50" and money(-5, "$") == "-$5" and money(-5, "CHF") == "-5 CHF"


def test_the_decile_table_shows_rates_beside_rates_and_buyers_beside_buyers():
    p = np.r_[np.full(10, 0.5), np.full(90, 0.1)]  # the top decile is predicted right, the rest too low
    labels = np.r_[np.ones(5), np.zeros(5), np.tile([1, 0, 0, 0, 0], 18)]  # 5 of 10, then 18 of 90
    table = decile_table(p, labels)
    assert list(table.columns) == [
        "customers",
        "mean_probability",
        "buy_rate",
        "expected_buyers",
        "buyers",
        "expected_lift",
        "observed_lift",
    ]
    assert table.loc[1, "buy_rate"] == table.loc[1, "mean_probability"] == 0.5
    assert table.loc[1, "buyers"] == table.loc[1, "expected_buyers"] == 5
    # the same buyers, different lifts: each divides by its own overall rate (0.14 predicted, 0.23 observed)
    assert table.loc[1, "expected_lift"] == pytest.approx(0.5 / 0.14)
    assert table.loc[1, "observed_lift"] == pytest.approx(0.5 / 0.23)
    assert "buy_rate" not in decile_table(p)


def test_below_cutoff_takes_what_the_unspent_budget_pays_for_and_at_least_a_tenth():
    p = np.linspace(0.9, 0.0, 40)
    audience = budget_audience(p, contact_cost=1.0, margin=2.0, budget=30.0)  # stops where 2 * p <= 1
    spare = below_cutoff(p, audience, 1.0, 30.0)
    assert len(spare) == 30 - len(audience.contacts) and spare[0] == len(audience.contacts)
    assert list(spare) == list(range(len(audience.contacts), 30))
    spent = budget_audience(p, contact_cost=1.0, margin=100.0, budget=5.0)
    assert list(below_cutoff(p, spent, 1.0, 5.0)) == [5, 6, 7, 8]  # nothing left: the next 4 (a tenth of 40)
    everyone = budget_audience(p[:3], 1.0, 100.0, 100.0)
    assert len(below_cutoff(p[:3], everyone, 1.0, 100.0)) == 0


def test_the_audience_table_lists_every_contact_best_first(tmp_path):
    customers = pd.DataFrame(
        {
            "user_id": ["u1", "u2", "u3", "u4"],
            "segment": ["a", "b", "a", "b"],
            "session_id": [11, 21, 31, 41],
            "propensity": [0.2, 0.9, 0.01, 0.5],
            "purchased": [0, 1, 0, 0],
        }
    )
    audience = budget_audience(customers["propensity"], contact_cost=1.0, margin=10.0, budget=100.0)
    table = audience_table(customers, audience, margin=10.0)
    assert list(table["user_id"]) == ["u2", "u4", "u1"] and list(table["rank"]) == [1, 2, 3]
    assert list(table["expected_margin"]) == pytest.approx([9.0, 5.0, 2.0])
    assert list(table["bought_in_ranked_session"]) == [1, 0, 0] and list(table["session_id"]) == [21, 41, 11]
    assert "bought_in_ranked_session" not in audience_table(
        customers.drop(columns="purchased"), audience, 10.0
    )
    path = write_audience(table, tmp_path / "new folder" / "audience.csv")
    assert pd.read_csv(path).equals(table) and [p.name for p in path.parent.iterdir()] == ["audience.csv"]


def test_an_audience_path_in_a_shared_folder_is_refused(tmp_path):
    shared = tmp_path / "reports"
    assert check_audience_path("", [shared]) is None
    assert (
        check_audience_path(str(tmp_path / "private" / "a.csv"), [shared]) == tmp_path / "private" / "a.csv"
    )
    with pytest.raises(ParameterError, match="'audience_csv'.*where the shared report goes"):
        check_audience_path(str(shared / "marketing" / "a.csv"), [tmp_path / "elsewhere", shared])
    with pytest.raises(ParameterError, match="ending in .csv"):
        check_audience_path(str(tmp_path), [shared])


def test_outcome_check_sums_probabilities_and_their_spread():
    check = outcome_check([0.5, 0.5, 0.2], [1, 0, 1])
    assert (check.count, check.observed) == (3, 2) and check.expected == pytest.approx(1.2)
    assert check.sd == pytest.approx(math.sqrt(0.25 + 0.25 + 0.16)) and check.rate == pytest.approx(2 / 3)
    assert check.agrees and check.describe() == "2 buyers against 1.2 expected, ± 0.8"
    assert not OutcomeCheck(100, 10.0, 20, 3.0).agrees and OutcomeCheck(100, 10.0, 16, 3.0).agrees
    assert math.isnan(outcome_check([], []).rate)


def test_rate_interval_is_wilsons():
    assert rate_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert rate_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)


def test_the_verdict_follows_the_numbers():
    agree = OutcomeCheck(200, 80.0, 84, 6.0)
    too_low = OutcomeCheck(1000, 114.0, 145, 8.0)
    below_high = OutcomeCheck(61, 2.0, 12, 1.4)  # 12 of 61 bought: 19.7 %, interval above 5 %
    verdict = plan_verdict(agree, below_high, too_low, break_even=0.05)
    assert "too low for the customers below the cut-off and all scored sessions" in verdict
    assert "they agree with the outcomes for the contacted customers" in verdict
    assert "their buyers' margin would have covered the contacts" in verdict
    assert (
        "plan's expected" not in verdict
    )  # the contacted customers agree: nothing said of the plan's numbers
    unclear = plan_verdict(agree, OutcomeCheck(61, 2.0, 3, 1.4), agree, break_even=0.05)
    assert unclear.startswith("the probabilities agree with the outcomes in every group")
    assert "the outcomes cannot tell whether contacting them would pay" in unclear
    fine = plan_verdict(OutcomeCheck(200, 80.0, 60, 6.0), OutcomeCheck(300, 3.0, 1, 1.7), agree, 0.05)
    assert "too high for the contacted customers" in fine and "overstate what its customers bought" in fine
    assert "the outcomes agree with stopping at the cut-off" in fine
    nobody_left = OutcomeCheck(0, 0.0, 0, 0.0)
    assert "no customer is left below the cut-off" in plan_verdict(agree, nobody_left, agree, 0.05)


def test_the_promoted_product_is_the_one_most_sessions_showed_interest_in():
    catalog = pd.DataFrame({"product_id": [1, 2, 3, 4], "avg_rating": [2.5, 4.5, 4.5, 5.0]})
    events = pd.DataFrame(
        {
            "session_id": [10, 10, 10, 11, 12, 12, 13, 13, 14],
            "event": ["view", "view", "view", "view", "add_to_cart", "search", "view", "view", "view"],
            "product_id": [1, 1, 1, 2, 3, -1, 2, 3, 4],
        }
    )
    # 1: three views in one session (1 session); 2 and 3: 2 sessions each, the same rating: the lower id
    assert promoted_product(events, [10, 11, 12, 13], catalog) == 2
    assert promoted_product(events, [10], catalog) == 1
    rated = catalog.assign(avg_rating=[2.5, 4.0, 4.5, 5.0])  # 2 and 3 in 2 sessions each: 3 rates higher
    assert promoted_product(events, [10, 11, 12, 13], rated) == 3
    assert promoted_product(events, [99], catalog) == 2  # no interest in these sessions: every session counts
    assert promoted_product(events.head(0), [10], catalog) == 4  # no interest anywhere: the best rated


def _plan():
    sessions = pd.DataFrame(
        {
            "session_id": [1, 2, 3, 4, 5, 6],
            "user_id": ["a", "a", "b", "c", "c", "d"],
            "segment": ["x", "x", "y", "x", "x", "z"],
            "propensity": [0.9, 0.2, 0.6, 0.1, 0.3, 0.05],
            "purchased": [1, 0, 1, 0, 1, 0],
        }
    )
    customers = sessions.loc[sessions.groupby("user_id", sort=False)["propensity"].idxmax()].reset_index(
        drop=True
    )
    audience = budget_audience(customers["propensity"], contact_cost=1.0, margin=10.0, budget=2.0)
    return sessions, customers, audience, below_cutoff(customers["propensity"], audience, 1.0, 2.0)


def test_plan_checks_group_customers_by_their_likeliest_session():
    sessions, customers, audience, below = _plan()
    assert list(customers["session_id"]) == [1, 3, 5, 6] and list(audience.contacts) == [0, 1]
    checks = plan_checks(sessions, customers, audience, below)
    assert isinstance(checks, PlanChecks)
    contacted, below_check, scored, other = checks
    assert (contacted.count, contacted.observed, contacted.expected) == (2, 2, pytest.approx(1.5))
    assert (below_check.count, below_check.observed) == (1, 1)  # the next tenth: customer c (session 5)
    assert (scored.count, scored.observed) == (6, 3)
    assert (other.count, other.observed, other.expected) == (2, 0, pytest.approx(0.3))  # sessions 2 and 4


def test_segment_table_counts_sessions_and_contacted_customers():
    sessions, customers, audience, _ = _plan()
    table = segment_table(sessions, customers, audience)
    assert list(table.columns) == ["sessions", "mean_propensity", "customers in audience"]
    assert table["sessions"].to_dict() == {"x": 4, "y": 1, "z": 1}
    assert table["customers in audience"].to_dict() == {"x": 1, "y": 1, "z": 0}
    assert table.loc["x", "mean_propensity"] == pytest.approx(0.375)


def test_audience_line_says_what_stopped_the_list():
    _, customers, audience, below = _plan()
    contacted = OutcomeCheck(2, 1.5, 2, 0.6)
    line = audience_line(audience, customers["propensity"], below, 1.0, 10.0, 2.0, "$", contacted)
    assert line.startswith(
        "**Recommended audience**: contact the top 2 of the 4 customers (50%) for $2 of the $2 budget: "
        "about 2 expected buyers, and $13 of expected margin from likely buyers minus contact costs ($10 "
        "per purchase, $1 per contact). That is not the campaign's incremental profit: some of them would "
        "have bought anyway. The budget is the limit: "
    )
    assert line.endswith(
        ": 2 of the 2 contacted customers already bought in the session they were ranked by."
    )
    free = budget_audience(customers["propensity"], 1.0, 2.0, 100.0)  # 2 * p > 1 only for 0.9 and 0.6
    stopped = audience_line(free, customers["propensity"], [2], 1.0, 2.0, 100.0, "EUR", None)
    assert (
        "The probabilities stop the list: the next customer's probability, 0.3000, times the 2 EUR margin"
        in stopped
    )
    assert stopped.endswith("made in them; these sessions do not say who already bought.")
    everyone = budget_audience(customers["propensity"], 1.0, 1000.0, 100.0)
    assert ". Every customer is in it. " in audience_line(
        everyone, customers["propensity"], [], 1.0, 1000.0, 100.0, "$", None
    )


def test_outcomes_line_quotes_every_group_and_the_verdict():
    agree = OutcomeCheck(200, 80.0, 84, 6.0)
    checks = PlanChecks(agree, OutcomeCheck(61, 2.0, 3, 1.4), OutcomeCheck(1000, 130.3, 147, 9.3), agree)
    line = outcomes_line(checks, 0.05, "trained on the simulator (notebook 03)", "calibrated")
    assert line.startswith(
        "**The plan against outcomes** (customers by their likeliest session, the one they were ranked by): "
        "the 200 contacted customers hold 84 buyers against 80.0 expected, ± 6.0; the next 61 customers "
        "below the cut-off 3 buyers against 2.0 expected, ± 1.4; all 1,000 scored sessions 147 buyers "
        "against 130.3 expected, ± 9.3, of which the 200 that are not a customer's likeliest hold 84 buyers"
    )
    verdict = plan_verdict(checks.contacted, checks.below, checks.scored, 0.05)
    assert (
        f"(± one standard deviation). Verdict: {verdict}. The probabilities come from the predictor " in line
    )
    assert line.endswith("trained on the simulator (notebook 03), calibrated.")
