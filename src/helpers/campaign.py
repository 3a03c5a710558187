"""Campaign planning from purchase probabilities: deciles, whom to contact under a budget, the checks
of that plan against outcomes when the sessions have them, and the sentences the report says them in.

The planning functions work from predicted probabilities alone, because a report on this week's
customers has no labels yet; :mod:`helpers.evaluation` scores a ranking where labels are known. The
probabilities must be calibrated (notebook 05): an expected buyer count or margin is only as right as
the probabilities it sums, which is why :func:`outcome_check` and :func:`plan_verdict` set them against
the buyers observed, where there are enough of them (:data:`MIN_BUYERS_TO_JUDGE`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from helpers.errors import DataError, ParameterError
from helpers.params import check_path, quote
from helpers.paths import atomic_write

# Fewer buyers than this among the scored sessions: too few outcomes to judge the probabilities or the
# ranking. With 5 buyers a top-decile lift of 2.0 has the interval [0, 10], which judges nothing.
MIN_BUYERS_TO_JUDGE = 30
# A currency is printed beside every amount: a short symbol or code, with no digit, space or character
# that Markdown reads as formatting ("*", "_", "`", "<", "[", "|", "#", "\").
CURRENCY = re.compile(r"[^\s\d*_`<>\[\]|#\\]{1,5}")
# What shows a shopper's interest in a product, for choosing the product a segment's copy promotes.
INTEREST_EVENTS = ("view", "add_to_cart")


def check_currency(value) -> str:
    """Return ``value`` if it is a currency the report can print: 1-5 characters, such as "$", "€", "EUR"."""
    if not isinstance(value, str) or not CURRENCY.fullmatch(value):
        raise ParameterError(
            f"parameter 'currency' is {quote(value)}; it must be a symbol or code of 1 to 5 characters "
            '("$", "€", "EUR") without digits, spaces or Markdown characters (* _ ` < > [ ] | # \\)'
        )
    return value


def money(amount: float, currency: str) -> str:
    """``amount`` with its currency: a symbol goes before it ("$1,442", "-€5"), a code of letters after
    ("1,442 EUR"). Whole amounts are written without decimals, others with two ("$0.50").
    """
    digits = f"{abs(amount):,.0f}" if float(amount).is_integer() else f"{abs(amount):,.2f}"
    sign = "-" if amount < 0 else ""
    return f"{sign}{digits} {currency}" if currency.isalpha() else f"{sign}{currency}{digits}"


def _probabilities(probabilities) -> np.ndarray:
    p = np.asarray(probabilities, dtype=float)
    if p.ndim != 1 or len(p) == 0 or not np.all((p >= 0) & (p <= 1)):
        raise DataError("expected a non-empty 1-D array of probabilities in [0, 1]")
    return p


def decile_table(probabilities, labels=None, n_groups: int = 10, unit: str = "customers") -> pd.DataFrame:
    """Rows (customers, or sessions: ``unit`` names the count column) by predicted probability in
    ``n_groups`` equal groups, best first.

    Columns: the count, ``mean_probability`` and, with ``labels``, the observed ``buy_rate`` beside it;
    ``expected_buyers`` and, with labels, the observed ``buyers``; ``expected_lift`` (the group's mean
    probability over the overall mean probability) and, with labels, ``observed_lift`` (the group's buy
    rate over the overall buy rate). The two lifts divide by different overall rates, so they differ
    wherever the overall rate is mis-predicted, even in a group whose buyers match: compare rates with
    rates and buyers with buyers.
    """
    p = _probabilities(probabilities)
    order = np.argsort(-p, kind="stable")
    group = np.arange(len(p)) * n_groups // len(p) + 1
    frame = pd.DataFrame({"decile": group, "p": p[order]})
    if labels is not None:
        frame["buyer"] = np.asarray(labels, dtype=float)[order]
    table = frame.groupby("decile").agg(
        **{unit: ("p", "size")}, mean_probability=("p", "mean"), expected_buyers=("p", "sum")
    )
    table["expected_lift"] = table["mean_probability"] / p.mean()
    if labels is None:
        return table
    observed = frame.groupby("decile")["buyer"].agg(["sum", "mean"])
    table.insert(2, "buy_rate", observed["mean"])
    table.insert(4, "buyers", observed["sum"].astype(int))
    overall = frame["buyer"].mean()
    table["observed_lift"] = observed["mean"] / overall if overall > 0 else np.nan
    return table


@dataclass(frozen=True)
class Audience:
    """The customers to contact (positions in the scored list) and what the probabilities expect of them.

    ``expected_profit`` is the expected margin from likely buyers minus the contact costs: not the
    campaign's incremental profit, since some of those buyers would have bought without a contact.
    """

    contacts: np.ndarray
    expected_buyers: float
    cost: float
    expected_profit: float
    limited_by_budget: bool


def budget_audience(probabilities, contact_cost: float, margin: float, budget: float) -> Audience:
    """The top k customers by probability, ``k * contact_cost <= budget``, with the largest expected
    margin minus contact costs.

    Each contact costs ``contact_cost`` and is expected to bring ``margin`` times its purchase
    probability, so the top k are expected to bring ``sum(margin * p) - k * contact_cost``; it rises
    while ``margin * p`` exceeds the cost and falls after. ``limited_by_budget`` says whether the budget,
    not the probabilities, stopped the list.
    """
    p = _probabilities(probabilities)
    if contact_cost <= 0 or margin < 0 or budget < 0:
        raise ValueError("contact_cost must be > 0, margin and budget >= 0")
    order = np.argsort(-p, kind="stable")
    profit = np.concatenate([[0.0], np.cumsum(margin * p[order] - contact_cost)])
    affordable = min(len(p), int(budget // contact_cost))
    best = int(np.argmax(profit[: affordable + 1]))
    unlimited = int(np.argmax(profit))
    return Audience(
        contacts=order[:best],
        expected_buyers=float(p[order[:best]].sum()),
        cost=best * contact_cost,
        expected_profit=float(profit[best]),
        limited_by_budget=unlimited > affordable,
    )


def audience_table(customers: pd.DataFrame, audience: Audience, margin: float) -> pd.DataFrame:
    """The whole audience, best first, one row per contact: ``rank``, the customer's own ``user_id``,
    ``segment``, the ``session_id`` they were ranked by, its ``propensity``, ``expected_margin``
    (margin × propensity, before the contact cost) and, when ``customers`` has ``purchased``,
    ``bought_in_ranked_session`` (that session already ended in a purchase).

    ``customers`` is the table ``audience`` was planned on, one row per customer: ``audience.contacts``
    are positions in it.
    """
    rows = customers.iloc[audience.contacts]
    columns = [name for name in ("user_id", "segment", "session_id", "propensity") if name in rows]
    table = rows[columns].reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table["expected_margin"] = margin * table["propensity"]
    if "purchased" in rows:
        table["bought_in_ranked_session"] = rows["purchased"].to_numpy(dtype=int)
    return table


def check_audience_path(value: str, shared_folders: Sequence[Path]) -> Path | None:
    """The parameter ``audience_csv`` as a path, or None for "" (no audience file is written).

    The file holds customers' own IDs, not pseudonyms, so a path inside any of ``shared_folders`` (the
    reports folder, whose HTML is shared) is refused, as are a folder and a name not ending in ``.csv``.
    """
    if value == "":
        return None
    path = check_path("audience_csv", value, must_exist=False)
    for folder in shared_folders:
        if path.resolve().is_relative_to(Path(folder).resolve()):
            raise ParameterError(
                f"parameter 'audience_csv' is {quote(str(path), 200)}, inside {quote(str(folder), 200)}, "
                "where the shared report goes: the file holds customers' own IDs, so write it elsewhere"
            )
    if path.is_dir() or path.suffix.lower() != ".csv":
        raise ParameterError(
            f"parameter 'audience_csv' is {quote(str(path), 200)}; expected a file name ending in .csv"
        )
    return path


def write_audience(table: pd.DataFrame, path: Path) -> Path:
    """Write ``table`` (:func:`audience_table`) to ``path`` as CSV, whole or not at all (a temporary
    file beside it, then renamed); its folder is made when missing."""
    with atomic_write(path) as file:
        table.to_csv(file, index=False)
    return path


def below_cutoff(probabilities, audience: Audience, contact_cost: float, budget: float) -> np.ndarray:
    """Positions of the customers just below the audience's cut-off, best first: as many as the unspent
    budget pays for, and at least a tenth of all customers (the next decile) when it pays for fewer."""
    p = _probabilities(probabilities)
    order = np.argsort(-p, kind="stable")  # the order budget_audience cut
    size = max(int((budget - audience.cost) // contact_cost), math.ceil(len(p) / 10))
    start = len(audience.contacts)
    return order[start : start + size]


@dataclass(frozen=True)
class OutcomeCheck:
    """The buyers observed in a group against the number its probabilities expect.

    ``sd`` is the standard deviation the observed number would have around ``expected`` if the
    probabilities were right (a sum of independent Bernoulli outcomes).
    """

    count: int
    expected: float
    observed: int
    sd: float

    @property
    def rate(self) -> float:
        """The share of the group that bought (nan for an empty group)."""
        return self.observed / self.count if self.count else math.nan

    @property
    def agrees(self) -> bool:
        """Whether the observed buyers are within two standard deviations of the expected number."""
        return abs(self.observed - self.expected) <= 2 * self.sd + 1e-9

    def describe(self) -> str:
        """ "90 buyers against 84.1 expected, ± 6.6" (one standard deviation), as the verdicts quote it."""
        return f"{self.observed:,} buyers against {self.expected:,.1f} expected, ± {self.sd:.1f}"


def outcome_check(probabilities, labels) -> OutcomeCheck:
    """:class:`OutcomeCheck` of a group: its probabilities and its 0/1 outcomes (both may be empty)."""
    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(labels, dtype=float)
    if p.shape != y.shape or p.ndim != 1:
        raise DataError("expected probabilities and labels of the same length")
    return OutcomeCheck(len(p), float(p.sum()), int(y.sum()), float(np.sqrt((p * (1 - p)).sum())))


class PlanChecks(NamedTuple):
    """The plan against outcomes in four groups (each an :class:`OutcomeCheck`): the ``contacted``
    customers and the ones just ``below`` the cut-off, each by the likeliest session they were ranked by;
    every ``scored`` session; and the ``other`` sessions, those that are not a customer's likeliest."""

    contacted: OutcomeCheck
    below: OutcomeCheck
    scored: OutcomeCheck
    other: OutcomeCheck


def plan_checks(
    sessions: pd.DataFrame, customers: pd.DataFrame, audience: Audience, below: np.ndarray
) -> PlanChecks:
    """:class:`PlanChecks` of a plan: ``sessions`` and ``customers`` (one row per customer, their likeliest
    session) with ``session_id``, ``propensity`` and ``purchased``; ``audience`` and ``below``
    (:func:`below_cutoff`) are positions in ``customers``."""

    def check(frame: pd.DataFrame) -> OutcomeCheck:
        return outcome_check(frame["propensity"], frame["purchased"])

    others = sessions[~sessions["session_id"].isin(customers["session_id"])]
    return PlanChecks(
        check(customers.iloc[audience.contacts]), check(customers.iloc[below]), check(sessions), check(others)
    )


def rate_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson's 95 % interval of a rate of ``successes`` in ``n`` independent trials."""
    if n <= 0:
        return math.nan, math.nan
    rate = successes / n
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _cutoff_reading(below: OutcomeCheck, break_even: float) -> str:
    if below.count == 0:
        return "no customer is left below the cut-off"
    low, high = rate_interval(below.observed, below.count)
    bought = (
        f"below the cut-off {below.rate:.1%} bought (95 % interval {low:.1%}-{high:.1%}), "
        f"against a break-even rate of {break_even:.1%} (contact cost / margin)"
    )
    if low > break_even:
        return (
            bought
            + ": their buyers' margin would have covered the contacts, though the probabilities said not"
        )
    if high < break_even:
        return bought + ": the outcomes agree with stopping at the cut-off"
    return bought + ": the outcomes cannot tell whether contacting them would pay"


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _side(side: str, names: str) -> str:
    if side == "agree":
        return f"they agree with the outcomes for {names}"
    more = "more" if side == "too low" else "fewer"
    return (
        f"the probabilities are {side} for {names}: {more} buyers than expected by over 2 standard deviations"
    )


def plan_verdict(
    contacted: OutcomeCheck, below: OutcomeCheck, scored: OutcomeCheck, break_even: float
) -> str:
    """One sentence: where the probabilities agree with the outcomes, and whether the list stops well.

    ``contacted``: the audience; ``below``: the customers just below its cut-off (:func:`below_cutoff`);
    ``scored``: every scored session. A group agrees when its observed buyers are within two standard
    deviations of the expected number; the probabilities are said to agree with the outcomes only when
    every (non-empty) group does. The cut-off is judged by the buy rate observed below it, with its 95 %
    interval, against ``break_even`` (contact cost / margin).
    """
    groups = {"the contacted customers": contacted, "the customers below the cut-off": below}
    groups["all scored sessions"] = scored
    verdicts: dict[str, list[str]] = {"too low": [], "too high": [], "agree": []}
    for name, check in groups.items():
        if check.count:
            side = "agree" if check.agrees else "too low" if check.observed > check.expected else "too high"
            verdicts[side].append(name)
    if not verdicts["too low"] and not verdicts["too high"]:
        probabilities = (
            "the probabilities agree with the outcomes in every group (within 2 standard deviations)"
        )
    else:
        probabilities = "; ".join(_side(side, _names(names)) for side, names in verdicts.items() if names)
    if not contacted.agrees:
        direction = "understate" if contacted.observed > contacted.expected else "overstate"
        probabilities += f", so the plan's expected buyers and margin {direction} what its customers bought"
    return f"{probabilities}; {_cutoff_reading(below, break_even)}"


def promoted_product(events: pd.DataFrame, session_ids, catalog: pd.DataFrame) -> int:
    """The product a group of sessions is most interested in: viewed or added to the cart in the most
    distinct sessions of ``session_ids`` (repeat views in one session count once); ties go to the higher
    ``avg_rating``, then the lower ``product_id``.

    When those sessions show interest in no product, every session of ``events`` is counted instead;
    when no session does, the best-rated product of ``catalog`` is chosen.
    """
    interest = events[events["event"].isin(INTEREST_EVENTS)][["session_id", "product_id"]]
    chosen = interest[interest["session_id"].isin(set(session_ids))]
    pool = (chosen if len(chosen) else interest).drop_duplicates()
    counts = pool.groupby("product_id").size()
    ranked = pd.DataFrame(
        {
            "product_id": catalog["product_id"].astype(int).to_numpy(),
            "sessions": counts.reindex(catalog["product_id"].to_numpy(), fill_value=0).to_numpy(),
            "avg_rating": catalog["avg_rating"].to_numpy(dtype=float),
        }
    )
    ranked = ranked.sort_values(["sessions", "avg_rating", "product_id"], ascending=[False, False, True])
    return int(ranked["product_id"].iloc[0])


def segment_table(sessions: pd.DataFrame, customers: pd.DataFrame, audience: Audience) -> pd.DataFrame:
    """One row per segment of ``sessions``: its ``sessions``, their ``mean_propensity``, and the
    ``customers in audience`` (``audience.contacts`` are positions in ``customers``)."""
    table = sessions.groupby("segment").agg(
        sessions=("propensity", "size"), mean_propensity=("propensity", "mean")
    )
    table["customers in audience"] = (
        customers["segment"].iloc[audience.contacts].value_counts().reindex(table.index, fill_value=0)
    )
    return table


def audience_line(
    audience: Audience,
    propensities: pd.Series,
    below: np.ndarray,
    contact_cost: float,
    margin: float,
    budget: float,
    currency: str,
    contacted: OutcomeCheck | None,
) -> str:
    """The report summary's **Recommended audience** sentence: whom to contact for how much, what the
    probabilities expect of them, and what stopped the list.

    ``propensities``: the customers' (``audience`` and ``below`` are positions in it); amounts are
    printed with ``currency``; ``contacted``: the audience against outcomes (None without them).
    """
    contacts, n = len(audience.contacts), len(propensities)
    if contacts == n:
        stop = "every customer is in it"
    elif audience.limited_by_budget:
        stop = (
            "the budget is the limit: by the probabilities, more contacts would still bring more than "
            "they cost"
        )
    else:
        stop = (
            "the probabilities stop the list: the next customer's probability, "
            f"{propensities.iloc[below[0]]:.4f}, times the {money(margin, currency)} margin is no more than "
            f"the {money(contact_cost, currency)} a contact costs"
        )
    return (
        f"**Recommended audience**: contact the top {contacts:,} of the {n:,} customers ({contacts / n:.0%}) "
        f"for {money(audience.cost, currency)} of the {money(budget, currency)} budget: about "
        f"{audience.expected_buyers:,.0f} expected buyers, and "
        f"{money(round(audience.expected_profit), currency)} of expected margin from likely buyers minus "
        f"contact costs ({money(margin, currency)} per purchase, {money(contact_cost, currency)} per "
        "contact). "
        "That is not the campaign's incremental profit: some of them would have bought anyway. "
        f"{stop[0].upper() + stop[1:]}. The probabilities are those of sessions that have already ended, and "
        "the expected margin counts the purchases made in them"
        + (
            f": {contacted.observed:,} of the {contacted.count:,} contacted customers already bought in the "
            "session they were ranked by."
            if contacted is not None
            else "; these sessions do not say who already bought."
        )
    )


def outcomes_line(checks: PlanChecks, break_even: float, model_source: str, how: str) -> str:
    """The report summary's **The plan against outcomes** sentence: the four :class:`PlanChecks` groups,
    the :func:`plan_verdict`, and where the probabilities come from: the predictor ``model_source``, and
    ``how`` they were made probabilities (calibrated, cross-fitted ...)."""
    contacted, below, scored, other = checks
    return (
        "**The plan against outcomes** (customers by their likeliest session, the one they were ranked by): "
        f"the {contacted.count:,} contacted customers hold {contacted.describe()}; the next {below.count:,} "
        f"customers below the cut-off {below.describe()}; all {scored.count:,} scored sessions "
        f"{scored.describe()}, of which the {other.count:,} that are not a customer's likeliest hold "
        f"{other.describe()} (± one standard deviation). Verdict: "
        f"{plan_verdict(contacted, below, scored, break_even)}. The probabilities come from the predictor "
        f"{model_source}, {how}."
    )
