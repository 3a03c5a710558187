"""Every exercise has a worked answer (notebooks/solutions/solutions.py) that its checker accepts."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from helpers.copy_validation import ProductFacts
from helpers.exercises import (
    attention,
    copywriting,
    data,
    evaluation,
    predictor,
    privacy,
    report,
    sentiment,
    tokenization,
    training,
)

PATH = Path(__file__).resolve().parents[1] / "notebooks" / "solutions" / "solutions.py"
spec = importlib.util.spec_from_file_location("solutions", PATH)
solutions = importlib.util.module_from_spec(spec)
spec.loader.exec_module(solutions)


@pytest.fixture(scope="module")
def tokenizer():
    import helpers

    return helpers.load_tokenizer("minilm")


def test_00_and_02_tokenizer_exercises(tokenizer):
    a, b = "buy a new phone", "Buy a NEW phone!"
    assert tokenization.check_tokens_that_differ(
        solutions.s00_tokens_that_differ(a, b, tokenizer), a, b, tokenizer
    )
    assert tokenization.check_token_count(
        solutions.s00_token_count("Buy 2 NEW earbuds!", tokenizer), "Buy 2 NEW earbuds!", tokenizer
    )
    assert tokenization.check_special_tokens(solutions.s00_special_tokens(tokenizer), tokenizer)
    assert tokenization.check_token_count(
        solutions.s02_token_count("$1,269.99", tokenizer), "$1,269.99", tokenizer
    )
    vocab = {"un", "##aff", "##able", "play", "##ing", "a", "##b"}
    assert tokenization.check_wordpiece(solutions.s02_wordpiece, ["unaffable", "playing", "xyz"], vocab)
    lengths = [37, 12, 80, 45, 9, 64, 23, 51, 30, 72, 18, 40]
    answer = solutions.s02_padding_waste(lengths, 4, multiple=8)
    assert tokenization.check_padding_waste(answer, lengths, 4, "bucketed", pad_to_multiple_of=8)


def test_00b_and_01_exercises():
    rng = np.random.default_rng(0)
    sessions = pd.DataFrame(
        {"first_query_kind": rng.choice(["a", "b", "c"], 200), "purchased": rng.random(200) < 0.2}
    )
    answer = solutions.s00b_conversion_by_group(sessions, "first_query_kind")
    assert data.check_conversion_by_group(answer, sessions, "first_query_kind")
    assert data.check_signal_probability(solutions.s00b_signal_probability(-3.6, 3.0), -3.6, 3.0)
    assert attention.check_causal_mask(solutions.s01_causal_mask)
    assert attention.check_scaled_scores(solutions.s01_scaled_scores)
    q, k = torch.randn(4, 8, generator=torch.Generator().manual_seed(7)), torch.randn(6, 8)
    assert attention.check_attention_weights(
        solutions.s01_attention_weights, q, k
    )  # the notebook asks for a function
    assert attention.check_attention_memory(solutions.s01_attention_memory_mb(16, 12, 256), 16, 12, 256)


def test_03_04_05_exercises():
    labels = np.array([0, 0, 1, 0, 1, 0, 0, 0])
    assert predictor.check_pos_weight(solutions.s03_pos_weight(labels), labels)
    logits, y = torch.tensor([0.3, -1.2, 2.0, 0.1]), torch.tensor([1.0, 0.0, 1.0, 0.0])
    assert predictor.check_bce_loss(solutions.s03_bce_loss(logits, y, 3.0), logits, y, 3.0)
    assert predictor.check_unshifted_probability(solutions.s03_unshifted_probability(0.5, 9.0), 0.5, 9.0)
    lengths = [12, 100, 40, 35, 90, 15, 60, 64]
    assert training.check_padding_speedup(solutions.s04_padding_speedup(lengths, 4, 128), lengths, 4, 128)
    assert training.check_grad_accumulation(solutions.s04_grad_accumulation(16, 2, 128), 16, 2, 128)
    for step in (0, 50, 100, 550, 1000):
        answer = solutions.s04_learning_rate(step, 1000, 0.1, 1e-4)
        assert training.check_learning_rate(answer, step=step, total_steps=1000, warmup_ratio=0.1, peak=1e-4)
    rng = np.random.default_rng(1)
    scores = rng.random(500)
    truth = (rng.random(500) < scores * 0.4).astype(int)
    # continuous scores, and scores that tie at the threshold 0.5 and at the break-even 2 / 20 = 0.1
    for p in (scores, np.round(scores, 1)):
        lift = solutions.s05_lift_above_threshold(truth, p, 0.5)
        assert evaluation.check_lift_above_threshold(lift, truth, p, 0.5)
        profit = solutions.s05_expected_profit(p, 2.0, 20.0)
        assert evaluation.check_expected_profit(profit, p, 2.0, 20.0, truth)
    nobody = solutions.s05_lift_above_threshold(truth, scores, 2.0)  # no score reaches 2: undefined
    assert evaluation.check_lift_above_threshold(nobody, truth, scores, 2.0)


def test_06_copy_exercises():
    facts = ProductFacts(
        "Anker Pulse 350 Wireless Earbuds",
        "Anker",
        39.99,
        4.1,
        "black",
        {"battery_hours": 30, "noise_cancelling": True},
    )
    assert copywriting.check_faithful_copy(solutions.s06_faithful_copy(facts), facts)
    tricky = f"Only ${facts.price - 10:.2f} today, with free shipping! The {facts.title} is rated 4.9 stars."
    # $29.99 is not the price $39.99, 4.9 stars not the rating 4.1, and "free shipping" is an offer
    assert solutions.s06_unsupported_kinds(tricky, facts) == {"price", "rating", "offer"}
    assert copywriting.check_unsupported_kinds({"price", "rating", "offer"}, tricky, facts)
    assert copywriting.check_fixed_copy(solutions.s06_fixed_copy(facts), tricky, facts)


def test_07_08_09_exercises():
    y, p = np.array([0, 0, 0, 1, 1, 2]), np.array([0, 1, 0, 1, 1, 0])
    assert sentiment.check_class_recalls(solutions.s07_class_recalls(y, p, 3), y, p, 3)
    assert sentiment.check_class_precisions(solutions.s07_class_precisions(y, p, 3), y, p, 3)
    prior = np.array([-1.2, -0.4])
    assert sentiment.check_label_prior(solutions.s07_label_prior(prior), prior)
    assert privacy.check_attack_epsilon(solutions.s08_attack_epsilon(0.9, 0.3, 1e-5), 0.9, 0.3, 1e-5)
    assert privacy.check_postcode_redactor(solutions.s08_mask_postcodes)
    propensities = np.random.default_rng(0).beta(1, 8, 500)
    assert report.check_budget_margin(
        solutions.s09_budget_margin(propensities, 1.0, 300.0), propensities, 1.0, 300.0
    )
