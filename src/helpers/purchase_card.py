"""The model card of the purchase predictor (notebook 08), written from the metrics the run recorded.

* :func:`predictor_test_metrics`: the predictor's test ROC-AUC and top-decile lift with intervals, to record.
* :func:`pii_card_examples`: example inputs that carry injected personal data, so the card must mask it.
* :func:`purchase_card_content`: the card's sections; every number comes from the recorded metrics or
  the arguments, and :func:`helpers.model_card.model_card` redacts every piece of text.
* :func:`write_model_card`: the card as Markdown and HTML files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.behaviour_text import sessions_to_text
from helpers.evaluation import result_row
from helpers.model_card import CardContent, MetricLine, card_html, metric_line


def predictor_test_metrics(
    labels: np.ndarray, scores: np.ndarray, n_resamples: int = 1000, seed: int = 0, groups=None
) -> dict[str, float]:
    """``predictor_test_auc`` and ``predictor_top_decile_lift``, each with ``_low`` and ``_high``: the
    ROC-AUC and lift of :func:`~helpers.evaluation.result_row` (95 % bootstrap over ``groups``), renamed
    for the card."""
    row = result_row(labels, scores, n_resamples, seed, groups)
    names = {"roc_auc": "predictor_test_auc", "top_decile_lift": "predictor_top_decile_lift"}
    return {names[name] + end: row[name + end] for name in names for end in ("", "_low", "_high")}


def pii_card_examples(
    searches: pd.DataFrame, events: pd.DataFrame, catalog: pd.DataFrame, n_sessions: int = 2
) -> tuple[list[str], list[str]]:
    """``(examples, injected)``: the texts, as the predictor reads them, of the first ``n_sessions``
    sessions whose searches carry injected personal data (``query_pii`` spans), and those values."""
    with_pii = searches["query_pii"] != "[]"
    chosen = searches.loc[with_pii, "session_id"].unique()[:n_sessions]
    leaky = searches[searches["session_id"].isin(chosen) & with_pii]
    examples = list(sessions_to_text(events[events["session_id"].isin(chosen)], catalog))
    injected = [
        query[span["start"] : span["end"]]
        for query, spans in zip(leaky["query"], leaky["query_pii"], strict=True)
        for span in json.loads(spans)
    ]
    return examples, injected


def dp_cost_text(recorded: Mapping[str, object]) -> str:
    """The recorded cost of privacy at ε = 1 (``dp_auc_cost_eps1``) with its interval, as the card says it."""
    cost = metric_line(recorded, "dp_auc_cost_eps1", "")
    return f"{cost.shown} {cost.interval} (paired bootstrap over customers, 95 %)"


def purchase_card_content(
    recorded: Mapping[str, object],
    evaluation: Mapping[str, object],
    *,
    auc_line: MetricLine,
    oracle_auc: float,
    variant: str,
    train: pd.DataFrame,
    n_users: int,
    seed: int,
    delta: float,
    k: int,
    templated_recall: float,
    hard_recall: pd.Series,
    examples: Sequence[str],
) -> CardContent:
    """The sections of the purchase predictor's card.

    ``recorded``: this run's metrics; ``evaluation``: notebook 05's; ``auc_line``: the test ROC-AUC line
    the summary quotes; ``train``: the training sessions (``user_id``); ``delta`` and ``k``: the DP delta
    and the k of the k-anonymous tables; ``templated_recall``: the redactor's recall on the simulator's
    values, ``hard_recall``: its recall per kind (NAME, PHONE, ADDRESS) on the hand-written hard cases.
    """
    oracle_line = MetricLine("best possible ROC-AUC (oracle)", oracle_auc)
    return CardContent(
        title=f"BERT purchase predictor (all-MiniLM-L6-v2, {variant})",
        summary="Scores a shopping session, written as text, with its probability of ending in a purchase. "
        f"Test ROC-AUC {auc_line.shown}; the best possible on this data (the simulator's true probability) "
        f"is {oracle_line.shown}.",
        data=f"{len(train):,} simulated sessions of {train['user_id'].nunique():,} shoppers (the workbook's "
        f"simulator of {n_users:,} shoppers, seed {seed}); validation and test customers are disjoint from "
        "training customers. The intervals of this notebook's metrics resample customers, each with all "
        "their sessions.",
        intended_use=[
            "rank customers for a marketing contact (top deciles) and estimate campaign profit",
            "teaching: every number here is reproducible from the workbook",
        ],
        out_of_scope=[
            "decisions with legal or similarly significant effects on a person (credit, pricing per person)",
            "data unlike the training sessions without re-validation (other shops, other languages)",
        ],
        metrics=_card_metrics(recorded, evaluation, auc_line, oracle_line, delta),
        limitations=[
            "trained and tested on simulated sessions; real data needs its own test (notebook 05 runs two)",
            "the purchase label counts every buyer, including those who would have bought without a contact",
            "explanations are approximate: see the driver hit rates against random ranking",
            "the redactor finds names only with a cue (a signature, 'my name is'); see its recall",
        ],
        privacy=_privacy_statements(recorded, k, templated_recall, hard_recall),
        examples=list(examples),
    )


def _privacy_statements(
    recorded: Mapping[str, object], k: int, templated_recall: float, hard_recall: pd.Series
) -> list[str]:
    """The card's privacy measures, each quoting this run: the redactor's recall, pseudonyms, the k of the
    released tables and the recorded cost of the DP head."""
    dp_cost = metric_line(recorded, "dp_auc_cost_eps1", "")
    return [
        "free text in this card is passed through the redactor (e-mail, phone, card, address, name); it "
        f"is not complete: it found {templated_recall:.0%} of the simulator's templated values, but on "
        f"hand-written hard cases only {hard_recall['NAME']:.3f} of names, {hard_recall['PHONE']:.3f} of "
        f"phone numbers and {hard_recall['ADDRESS']:.3f} of addresses, so do not export free text on its "
        "strength alone",
        "recommended: replace customer IDs by keyed HMAC-SHA256 pseudonyms, the key kept apart from the "
        "data (notebook 08 reverses every plain hash with a dictionary); no artefact of this run is "
        "pseudonymised",
        f"released aggregates suppress cells with fewer than {k} distinct customers",
        "a differentially private head (DP-SGD, Opacus) is available, trained on one session per "
        "customer (one record is one customer); at ε = 1 its test ROC-AUC minus the non-private head's "
        f"is {dp_cost_text(recorded)}: "
        + (
            "a cost larger than the noise of this test set"
            if dp_cost.high < 0
            else "the interval includes 0, so this test set does not show a cost"
        ),
    ]


def _card_metrics(
    recorded: Mapping[str, object],
    evaluation: Mapping[str, object],
    auc_line: MetricLine,
    oracle_line: MetricLine,
    delta: float,
) -> list[MetricLine]:
    """The card's metric table: the predictor, its calibration, the DP head, the attack, the explanations."""
    lines = [
        ("predictor_top_decile_lift", "top-decile lift", "customers resampled"),
        ("dp_auc_eps1", "ROC-AUC of the DP head at ε = 1", f"δ = {delta:g}"),
        ("dp_auc_nonprivate", "ROC-AUC of the same head without DP", "same test sessions"),
        ("dp_auc_cost_eps1", "ROC-AUC at ε = 1 − without DP", "paired bootstrap, customers resampled"),
        ("mia_auc_nonprivate", "membership attack, over-fitted model", "0.5 = no leak"),
        ("mia_auc_eps1", "membership attack, DP ε = 1", "0.5 = no leak"),
        ("ig_driver_hit_rate", "explanations: IG top events that are true drivers", ""),
        ("occlusion_driver_hit_rate", "explanations: occlusion top events that are drivers", ""),
        ("random_driver_hit_rate", "… the same for random ranking", ""),
        ("pii_recall_name_hard_cases", "PII redaction: name recall on hard cases", ""),
    ]
    recorded_lines = [metric_line(recorded, name, label, note) for name, label, note in lines]
    calibration = metric_line(
        evaluation, "ece_after", "expected calibration error after calibration", "notebook 05"
    )
    return [auc_line, recorded_lines[0], calibration, oracle_line, *recorded_lines[1:]]


def write_model_card(card: str, folder: str | Path, stem: str = "model_card") -> Path:
    """Write ``card`` (Markdown) to ``folder/stem.md`` and its HTML to ``folder/stem.html``; returns the
    Markdown file's path."""
    path = Path(folder) / f"{stem}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(card, encoding="utf-8")
    (Path(folder) / f"{stem}.html").write_text(card_html(card), encoding="utf-8")
    return path
