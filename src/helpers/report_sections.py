"""The plumbing of the marketing report (notebook 09), section by section, so that its cells read as steps.

* the data: the simulator's test customers when no files are given, library versions for the record;
* the predictor: a training configuration from the profile, and the comparison of the simulator-trained
  predictor with one fitted to the shop's own outcomes;
* the plan: the ranking's quality and the plan's checks against outcomes, recorded as metrics;
* the reviews: notebook 07's sentiment classifier (or one trained here), whether the reviews are in its
  domain, the clauses with their aspects and reviewers, and the reviewers' stars beside it;
* the executive summary: one sentence per section (:func:`data_line` ... :func:`copy_line`).

The campaign's own numbers (audience, deciles, checks) come from :mod:`helpers.campaign`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.campaign import Audience, OutcomeCheck
from helpers.model_card import MetricLine, metric_line
from helpers.paths import resolve_path
from helpers.run_log import record_metric


def as_markdown(text: str) -> str:
    """``text`` with every "$" escaped: Markdown output reads "$...$" as math, in Jupyter and in the HTML
    report, and the escaped form shows a plain "$" in both."""
    return text.replace("$", "\\\\$")


def library_versions(names: Sequence[str]) -> dict[str, str]:
    """The installed version of each distribution in ``names``, by name (for the report's record)."""
    return {name: metadata.version(name) for name in names}


def simulator_report_data(
    tokenizer, n_users: int, max_length: int, train_examples: int | None, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(catalog, events, reviews, pool)`` of the simulator's world; ``pool`` holds every session of
    notebook 03's test customers (``session_id``, ``user_id``, ``segment``, ``text``, ``purchased`` as 0/1),
    the sessions the report scores when no files are given."""
    from helpers.purchase_data import purchase_splits
    from helpers.sim.world import load_world

    splits = purchase_splits(tokenizer, n_users, max_length, train_examples, None, seed)
    world = load_world(n_users=n_users, seed=seed)
    pool = splits.test[["session_id", "user_id", "segment", "text", "purchased"]].reset_index(drop=True)
    pool["purchased"] = pool["purchased"].astype(int)
    return world.catalog, world.events, world.reviews, pool


def report_train_config(cfg, seed: int, epochs: int | None = None):
    """The :class:`~helpers.training.TrainConfig` the report trains with: the profile ``cfg``'s
    (:func:`~helpers.predictor_reuse.profile_train_config`), without progress bars."""
    from helpers.predictor_reuse import profile_train_config

    return profile_train_config(cfg, seed, epochs, progress=False)


def compare_predictors(
    labels, scored: Mapping[str, np.ndarray], groups, seed: int
) -> tuple[pd.DataFrame, dict[str, float]]:
    """``(rankings, gain)``: each predictor's ROC-AUC with its 95 % interval (columns ``ROC-AUC``, ``low``,
    ``high``, one row per name of ``scored``), and the paired-bootstrap difference second − first
    (``difference``, ``low``, ``high``), whole ``groups`` (customers) resampled.

    ``scored`` holds the simulator-trained predictor's scores first and the outcome-fitted one's second;
    the five ``report_auc_*`` metrics are recorded, rounded to 4 decimals.
    """
    from helpers import evaluation as ev

    rankings = pd.DataFrame(
        {
            name: ev.bootstrap_ci(ev.roc_auc, labels, scores, 1000, seed=seed, groups=groups)
            for name, scores in scored.items()
        },
        index=["ROC-AUC", "low", "high"],
    ).T
    baseline, fitted = scored.values()
    gain = ev.paired_bootstrap(ev.roc_auc, labels, fitted, baseline, seed=seed, groups=groups)
    for name, value in (
        ("report_auc_simulator_model", rankings["ROC-AUC"].iloc[0]),
        ("report_auc_own_outcomes", rankings["ROC-AUC"].iloc[1]),
        ("report_auc_own_minus_simulator", gain["difference"]),
        ("report_auc_own_minus_simulator_low", gain["low"]),
        ("report_auc_own_minus_simulator_high", gain["high"]),
    ):
        record_metric(name, round(float(value), 4))
    return rankings, gain


def record_ranking_quality(labels, scores, groups, seed: int) -> dict[str, float]:
    """Record ROC-AUC, top-decile lift and ECE of ``scores`` (``report_auc``, ``report_top_decile_lift``,
    ``report_ece``, each with ``_low`` and ``_high``: a 95 % bootstrap interval, whole ``groups``
    resampled), unrounded; returns them by name."""
    from helpers import evaluation as ev

    recorded = {}
    for name, metric in (
        ("report_auc", ev.roc_auc),
        ("report_top_decile_lift", ev.top_decile_lift),
        ("report_ece", ev.expected_calibration_error),
    ):
        value, low, high = ev.bootstrap_ci(metric, labels, scores, 1000, seed=seed, groups=groups)
        for suffix, number in (("", value), ("_low", low), ("_high", high)):
            recorded[name + suffix] = float(number)  # unrounded: the summary and the card round once
            record_metric(name + suffix, recorded[name + suffix])
    return recorded


def record_plan_checks(contacted: OutcomeCheck, below: OutcomeCheck, scored: OutcomeCheck) -> dict[str, Any]:
    """Record the plan's checks against outcomes (observed buyers, the expected number's sd, and for the
    customers below the cut-off their count and expected buyers); returns them by name."""
    recorded: dict[str, Any] = {}
    for name, check in (("audience", contacted), ("below_cutoff", below), ("scored_sessions", scored)):
        recorded[f"{name}_observed_buyers"] = check.observed
        recorded[f"{name}_expected_buyers_sd"] = round(check.sd, 2)
    recorded["below_cutoff_customers"] = below.count
    recorded["below_cutoff_expected_buyers"] = round(below.expected, 2)
    recorded["scored_sessions_expected_buyers"] = round(scored.expected, 2)
    for name, value in recorded.items():
        record_metric(name, value)
    return recorded


def record_audience(audience: Audience) -> dict[str, float]:
    """Record the plan's ``audience_size``, ``expected_buyers``, ``campaign_cost`` and ``expected_profit``,
    rounded to 2 decimals; returns them by name."""
    recorded = {
        name: round(float(value), 2)
        for name, value in (
            ("audience_size", len(audience.contacts)),
            ("expected_buyers", audience.expected_buyers),
            ("campaign_cost", audience.cost),
            ("expected_profit", audience.expected_profit),
        )
    }
    for name, value in recorded.items():
        record_metric(name, value)
    return recorded


def quality_lines(recorded: Mapping[str, object]) -> list[MetricLine]:
    """The ranking's ROC-AUC, top-decile lift and ECE as the summary and the model card quote them, from
    the ``recorded`` metrics (:func:`record_ranking_quality`)."""
    return [
        metric_line(recorded, "report_auc", "ROC-AUC on these sessions", "customers resampled"),
        metric_line(
            recorded, "report_top_decile_lift", "top-decile lift on these sessions", "customers resampled"
        ),
        metric_line(
            recorded,
            "report_ece",
            "calibration error (ECE) of these probabilities on these sessions",
            "0 = calibrated, yet above 0 even then on a finite sample (binned ECE is biased upward); "
            "customers resampled",
        ),
    ]


@dataclass(frozen=True)
class SentimentReader:
    """A sentiment classifier as the report reads reviews with it.

    ``shift`` is the ``log(pos_weight)`` its binary logit carries (0 without one); ``training`` is what
    notebook 07 recorded (``data``, ``max_length``, ...); ``source`` names it in the report's text;
    ``binary``: two classes (negative, positive) rather than three.
    """

    classifier: Any
    shift: float
    training: dict
    source: str
    binary: bool

    @property
    def max_length(self) -> int:
        """The length it was trained with, at which texts are read (128 where an older record lacks it)."""
        return self.training.get("max_length", 128)

    @property
    def reading(self) -> str:
        """How its two-way reading (positive or not) treats neutral reviews, as the summary says it."""
        if self.binary:
            return (
                "it is binary, trained on 1-2 against 4-5 stars without the 3-star reviews, so it puts every "
                "review, neutral ones too, on one side"
            )
        return (
            "its neutral class is left out of this reading, so every review, neutral ones too, lands on "
            "one side"
        )


def saved_sentiment_classifier(path: Path) -> SentimentReader:
    """The :class:`SentimentReader` of notebook 07's fine-tuned classifier saved at ``path``."""
    from helpers.predictor import load_predictor, saved_training

    classifier, _ = load_predictor(path)
    training = saved_training(path)  # what notebook 07 recorded: data, max_length, pos_weight ...
    shift = np.log(training["pos_weight"]) if training.get("pos_weight") else 0.0
    source = f"the fine-tuned classifier of notebook 07 ({path}, trained on {training['data']})"
    return SentimentReader(
        classifier, shift, training, source, training.get("label_scheme", "binary") == "binary"
    )


def train_sentiment_classifier(cfg, tokenizer, device, seed: int) -> SentimentReader:
    """A :class:`SentimentReader` trained here with notebook 07's recipe, CPU-sized: LP-FT for 2 epochs on
    2,000 simulated reviews, negative (1-2 stars) against positive (4-5), at 128 tokens."""
    from helpers.lpft import fit_lpft
    from helpers.sentiment import sentiment_labels
    from helpers.sim.catalog import make_catalog
    from helpers.sim.reviews import review_sample

    training = {"data": "simulator", "simulated_reviews": 0, "max_length": 128}
    simulated_reviews, review_labels = sentiment_labels(
        review_sample(make_catalog(seed), 2000, seed=seed), "binary"
    )
    fitted = fit_lpft(
        cfg.encoder_name,
        tokenizer,
        list(simulated_reviews["text"]),
        review_labels,
        {},
        report_train_config(cfg, seed, epochs=2),
        training["max_length"],
        device=device,
    )
    source = "a classifier trained here on simulated reviews (notebook 07's recipe)"
    return SentimentReader(fitted.predictor, np.log(fitted.pos_weight), training, source, True)


def out_of_domain_note(training: Mapping[str, Any], reviews_path: str, own_data: bool) -> str:
    """ "" when the classifier trained on these reviews' domain, else a warning that says how to fix it.

    Notebook 07 records the name of the reviews it trained on ("simulator", or a file's name), the file's
    resolved path (``data_path``, "" for the simulator) and how many simulated reviews it added to a
    file's. Your reviews (``own_data``, the file at ``reviews_path``) are its domain when it trained on that
    very file (by the name alone for a record without ``data_path``: ``shopA/reviews.csv`` and
    ``shopB/reviews.csv`` then look alike); the simulator's, when it trained on simulated reviews.
    """
    if not own_data:
        in_domain = training["data"] == "simulator" or bool(training.get("simulated_reviews"))
    elif "data_path" in training:
        in_domain = bool(training["data_path"]) and Path(training["data_path"]) == resolve_path(reviews_path)
    else:
        in_domain = training["data"] == Path(reviews_path).stem
    if in_domain:
        return ""
    fix = (
        "rerun notebook 07 with train_path set to your reviews, which needs their star ratings"
        if own_data
        else "rerun notebook 07 without train_path, or with add_simulated_reviews=True"
    )
    return (
        f"the classifier learned from the reviews of {training['data']}, not from "
        f"{reviews_path or 'the simulator'}: these reviews are outside its domain, and it may misread them "
        f"({fix})"
    )


def review_mentions(
    reviews: pd.DataFrame, polarity: Callable[[list[str]], np.ndarray]
) -> tuple[pd.DataFrame, str]:
    """``(mentions, reviewer_unit)``: one row per clause and aspect found by keywords (``review``,
    ``clause`` with personal data masked, ``aspect``, ``positive`` from ``polarity``, ``category``,
    ``reviewer``), and what ``reviewer`` counts.

    ``reviewer`` is the review's ``user_id``; a reviews file without that column names no reviewer, so
    each review then counts as one (``reviewer`` is the review's row).
    """
    from helpers import aspects as asp
    from helpers.pii import redact

    reviews = reviews.reset_index(drop=True)  # aspect_table names reviews by label; they are read by position
    mentions = asp.aspect_table(reviews, asp.keyword_detector, polarity)
    mentions["category"] = reviews["category"].to_numpy()[mentions["review"]]
    mentions["clause"] = [redact(c) for c in mentions["clause"]]
    by_reviewer = "user_id" in reviews
    mentions["reviewer"] = (
        reviews["user_id"].to_numpy()[mentions["review"]] if by_reviewer else mentions["review"]
    )
    unit = (
        "distinct reviewers"
        if by_reviewer
        else "reviews (the file names no reviewer: each review counts as one)"
    )
    return mentions, unit


def star_check(
    reviews: pd.DataFrame, says_positive: np.ndarray, seed: int
) -> tuple[dict[str, float] | None, dict[str, float] | None, np.ndarray | None]:
    """``(star_shares, star_agreement, sided)`` of ``reviews`` with a ``rating`` column, else all None.

    ``star_shares``: the share of reviews with 1-2, 3 and 4-5 stars (recorded as ``share_reviews_*_stars``);
    ``sided``: which reviews have 1-2 or 4-5 stars; ``star_agreement``: how far the classifier's labels
    (``says_positive``) agree with those stars, 1-2 (negative) against 4-5 (positive), as
    :func:`~helpers.sentiment.classification_scores` with products resampled (recorded as
    ``review_star_balanced_accuracy``), or None when the sided reviews have stars on one side only.
    """
    from helpers.sentiment import classification_scores

    if "rating" not in reviews:
        return None, None, None
    stars = reviews["rating"].round()
    shares = {
        "1-2": float((stars <= 2).mean()),
        "3": float((stars == 3).mean()),
        "4-5": float((stars >= 4).mean()),
    }
    for band, share in shares.items():
        record_metric(f"share_reviews_{band.replace('-', '_')}_stars", round(share, 4))
    sided = ((stars <= 2) | (stars >= 4)).to_numpy()
    agreement = None
    if (stars[sided] >= 4).nunique() == 2:  # balanced accuracy needs reviews of both sides; 0.5 = chance
        agreement = classification_scores(
            (stars[sided] >= 4).to_numpy(dtype=int),
            says_positive[sided].astype(int),
            1000,
            seed,
            groups=reviews["product_id"][sided],  # products resampled
        )
        record_metric("review_star_balanced_accuracy", round(agreement["balanced_accuracy"], 4))
    return shares, agreement, sided


def data_line(
    data_name: str, n_sessions: int, n_customers: int, model_source: str, sample_note: str | None
) -> str:
    """The summary's **Data** sentence; ``sample_note`` (:func:`~helpers.data.report_files.describe_sample`)
    when the sessions are a sample of whole customers, else None."""
    return (
        f"**Data**: {data_name}; {n_sessions:,} sessions of {n_customers:,} customers scored by the BERT "
        f"purchase predictor {model_source}."
    ) + (
        f" They are a random sample of whole customers, {sample_note}: the audience and its expected numbers "
        "cover this sample, not every customer."
        if sample_note is not None
        else ""
    )


def quality_line(quality: Sequence[MetricLine], too_few: str | None) -> str:
    """The summary's **Ranking quality** sentence from :func:`quality_lines`; ``too_few`` says why the
    outcomes are too few to judge, None when they are enough."""
    auc, lift, ece = quality
    return (
        f"**Ranking quality** (these sessions have outcomes): ROC-AUC {auc.shown} {auc.interval}, "
        f"top-decile lift {lift.shown} {lift.interval}, calibration error (ECE) {ece.shown} "
        f"{ece.interval} (95 % intervals, customers resampled)"
        + (
            "."
            if too_few is None
            else f"; {too_few} the ranking or the calibration: the intervals show how little these pin down."
        )
        + " Binned ECE is biased upward on a finite sample: even perfectly calibrated probabilities score "
        "above 0, the bootstrap's resamples more so, and the value can sit at the bottom of its interval."
    )


def reviews_line(
    sentiment: SentimentReader,
    review_positive: float,
    n_reviews: int,
    star_shares: Mapping[str, float] | None,
    star_agreement: Mapping[str, float] | None,
    domain_note: str,
    complaints: pd.DataFrame | None,
    k: int,
    reviewer_unit: str,
) -> str:
    """The summary's **Reviews** sentence: the share of ``n_reviews`` reviews that ``sentiment`` reads as
    positive, the stars beside it (:func:`star_check`), the domain warning (:func:`out_of_domain_note`) and
    the most frequent complaint shown (``complaints``: the top complaint per category, None when no cell
    of complaints has ``k`` or more reviewers, counted in ``reviewer_unit``)."""
    worst = complaints.sort_values("complaints", ascending=False).head(1) if complaints is not None else None
    return (
        f"**Reviews**: the sentiment classifier ({sentiment.source}) reads {review_positive:.0%} of "
        f"{n_reviews:,} reviews as more positive than negative; {sentiment.reading}."
        + (
            f" The reviewers' own stars: {star_shares['1-2']:.0%} gave 1-2, {star_shares['3']:.0%} gave 3 "
            f"and {star_shares['4-5']:.0%} gave 4-5."
            if star_shares
            else ""
        )
        + (
            f" Its labels agree with the stars (1-2 against 4-5) at a balanced accuracy of "
            f"{star_agreement['balanced_accuracy']:.2f} (0.5 = chance)."
            if star_agreement
            else ""
        )
        + (f" Warning: {domain_note}." if domain_note else "")
        + (
            f" The most frequent complaint shown is {worst['aspect'].iloc[0]} in {worst.index[0]}."
            if worst is not None
            else " No complaint is shown: no category × aspect cell of complaints has "
            f"{k} or more {reviewer_unit}."
        )
    )


def copy_line(targets: Sequence[str], chosen: Sequence[str | None], with_copy: int, n_contacts: int) -> str:
    """The summary's **Copy** sentence: how many ``targets`` have a checked copy (``chosen``, None where
    none passed) and how many of the ``n_contacts`` contacted customers their segments hold
    (``with_copy``)."""
    reach = (
        f"; those segments hold {with_copy:,} of the {n_contacts:,} contacted customers "
        f"({with_copy / n_contacts:.0%}); no checked copy reaches the other {n_contacts - with_copy:,}"
        if n_contacts
        else ""
    )
    return (
        f"**Copy**: {sum(c is not None for c in chosen)} of {len(targets)} target segments "
        f"({', '.join(targets)}) have a copy that passed the checks{reach}. A person reads each before it "
        "ships."
    )
