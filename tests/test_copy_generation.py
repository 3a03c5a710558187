"""Best-of-n validated generation (with a scripted generator), copy metrics, and the LoRA house style."""

from __future__ import annotations

import math

import pytest
import torch

from helpers import copywriting
from helpers.copy_metrics import (
    FREE_PHRASINGS,
    copy_summary,
    reading_ease,
    says_free,
    self_bleu,
    vader_compound,
)
from helpers.copy_tuning import (
    CopyPairs,
    add_lora,
    house_style_copy,
    lora_finetune,
    next_token_loss,
    product_counts,
)
from helpers.copy_validation import ProductFacts, check_copy
from helpers.copywriting import CopyRequest, Generation, best_of_n, headline_attribute
from helpers.sim.catalog import make_catalog
from helpers.training import TrainConfig
from tiny_models import tiny_chat_model_and_tokenizer

EARBUDS = ProductFacts(
    "Apple Air 876 Wireless Earbuds", "Apple", 106.99, 3.8, "silver", {"battery_hours": 10}
)
GOOD = "The Apple Air 876 Wireless Earbuds give you 10 hours of battery."
BETTER = "The Apple Air 876 Wireless Earbuds give you 10 hours of battery for $106.99."
INVENTED = "The Apple Air 876 Wireless Earbuds give you 48 hours of battery."
VAGUE = "The Apple Air 876 Wireless Earbuds sound great."


def scripted(replies: list[list[str]]):
    """A stand-in for generate_copies that returns the next round's replies and records the requests."""
    calls = []

    def generate(model, tokenizer, conversations, mentions=(), num_return_sequences=1, **decoding):
        calls.append((len(conversations), num_return_sequences))
        assert list(mentions) == [["10 hours"]] * len(conversations)  # each drawing request's phrase
        texts = replies[len(calls) - 1]
        assert len(texts) == len(conversations) * num_return_sequences
        return Generation(texts, new_tokens=len(texts), seconds=1.0)

    return generate, calls


def test_best_of_n_stops_drawing_for_requests_that_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    request = CopyRequest([{"role": "user", "content": "x"}], EARBUDS, ("battery_hours",))
    generate, calls = scripted(
        [
            [GOOD, BETTER, INVENTED, VAGUE],  # round 0: request 0 passes twice, request 1 fails twice
            [VAGUE, GOOD + " Only $18"],  # round 1: only request 1 draws again; the cut-off tail is dropped
        ]
    )
    monkeypatch.setattr(copywriting, "generate_copies", generate)
    result = best_of_n(None, None, [request, request], n=4, per_round=2)
    assert calls == [(2, 2), (1, 2)]
    assert result.chosen == [BETTER, GOOD]  # the passing copy with the most supported claims
    assert list(result.candidates["round"]) == [0, 0, 0, 0, 1, 1]
    # single samples are judged on the first round (round 1 drew only for the hard request)
    assert result.copy_pass_rate == 1.0 and result.candidate_pass_rate == pytest.approx(2 / 4)
    assert len(result.first_round) == 4


def test_best_of_n_prefers_more_facts_to_one_fact_repeated(monkeypatch: pytest.MonkeyPatch) -> None:
    request = CopyRequest([{"role": "user", "content": "x"}], EARBUDS, ("battery_hours",))
    repeated = GOOD + " Yes, 10 hours of battery. That is 10 hours of playback."  # three claims, one fact
    said_thrice, better = check_copy(repeated, EARBUDS), check_copy(BETTER, EARBUDS)
    assert said_thrice.passed and len(said_thrice.claims) > len(better.claims)
    assert said_thrice.distinct_supported < better.distinct_supported
    generate, _ = scripted([[repeated, BETTER]])
    monkeypatch.setattr(copywriting, "generate_copies", generate)
    assert best_of_n(None, None, [request], n=2, per_round=2).chosen == [BETTER]


def test_best_of_n_reports_a_request_that_never_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    request = CopyRequest([{"role": "user", "content": "x"}], EARBUDS, ("battery_hours",))
    generate, calls = scripted([[INVENTED, VAGUE], [VAGUE]])
    monkeypatch.setattr(copywriting, "generate_copies", generate)
    result = best_of_n(None, None, [request], n=3, per_round=2)
    assert calls == [(1, 2), (1, 1)] and result.chosen == [None] and result.copy_pass_rate == 0.0
    with pytest.raises(ValueError, match="n and per_round"):
        best_of_n(None, None, [request], n=0)
    with pytest.raises(ValueError, match="at least one request"):
        best_of_n(None, None, [], n=2)


def test_house_style_copies_pass_the_validator_for_every_catalog_product() -> None:
    for row in make_catalog(0).to_dict("records"):
        facts = ProductFacts.from_catalog(row)
        result = check_copy(house_style_copy(facts), facts, [headline_attribute(facts)])
        assert result.passed, (house_style_copy(facts), result)


def test_product_counts_compare_whole_products_not_float_shares() -> None:
    before = copy_summary([GOOD] * 3 + [""] * 7, [EARBUDS] * 10, [["battery_hours"]] * 10)
    after = copy_summary([GOOD] * 6 + [""] * 4, [EARBUDS] * 10, [["battery_hours"]] * 10)
    # 1 - 7/10 and 1 - 4/10: three more products, yet the shares differ by less than 0.3
    assert after["coverage"] - before["coverage"] < 0.3
    names = ["empty", "passed", "coverage"]
    assert product_counts(before, names, 10) == {"empty": 7, "passed": 3, "coverage": 3}
    assert product_counts(after, names, 10) == {"empty": 4, "passed": 6, "coverage": 6}
    with pytest.raises(ValueError, match="no whole number of 10 products"):
        product_counts({"coverage": 0.25}, ["coverage"], 10)
    with pytest.raises(ValueError, match="no whole number"):
        product_counts({"coverage": float("nan")}, ["coverage"], 10)


def test_copy_measures() -> None:
    # 6 words, 1 sentence, 6 syllables: 206.835 - 1.015 * 6 - 84.6 * 1
    assert reading_ease("The cat sat on the mat.") == pytest.approx(116.145)
    assert math.isnan(reading_ease("... 42 !"))
    assert reading_ease("The cat sat on the mat.") > reading_ease(
        "Unquestionably sophisticated engineering characterises this extraordinarily versatile instrument."
    )
    assert self_bleu(["a nice red bag for you", "a nice red bag for you"]) == pytest.approx(1.0)
    assert self_bleu(["red bag", "green shoe box"]) < 0.1 and math.isnan(self_bleu(["one"]))
    positive, negative = vader_compound(["Great earbuds, I love them!", "Terrible, broke in a day."])
    assert positive > 0.5 and negative < -0.3
    summary = copy_summary([GOOD, INVENTED, ""], [EARBUDS] * 3, [["battery_hours"]] * 3)
    assert summary["passed"] == pytest.approx(1 / 3) and summary["empty"] == pytest.approx(1 / 3)
    assert summary["unsupported_rate"] == pytest.approx(
        1 / 2
    )  # of the copies written: the empty one claims nothing
    assert summary["coverage"] == pytest.approx(1 / 3)  # the invented number does not state the real one
    nothing = copy_summary(["", ""], [EARBUDS] * 2, [[], []])
    assert nothing["passed"] == 0 and nothing["empty"] == 1 and math.isnan(nothing["unsupported_rate"])
    with pytest.raises(ValueError, match="as many"):
        copy_summary([GOOD], [EARBUDS, EARBUDS], [[]])


def test_copy_pairs_learn_only_the_copy_and_the_loss_is_hugging_faces() -> None:
    model, tokenizer = tiny_chat_model_and_tokenizer()
    pairs = CopyPairs([[{"role": "user", "content": "the earbuds"}]], ["meet the earbuds ."], tokenizer)
    example = pairs[0]
    prompt_length = int((example["labels"] == -100).sum())
    assert tokenizer.decode(example["input_ids"][:prompt_length]) == "user the earbuds [SEP] assistant"
    assert example["labels"][-1] == tokenizer.eos_token_id  # the copy ends with end-of-text
    batch = pairs.collate([example, pairs[0]])
    expected = model(input_ids=batch["input_ids"], labels=batch["labels"]).loss
    assert torch.allclose(
        next_token_loss(model(input_ids=batch["input_ids"]).logits, batch["labels"]), expected
    )


def test_lora_trains_only_the_adapters_and_lowers_the_loss() -> None:
    model, tokenizer = tiny_chat_model_and_tokenizer()
    frozen = {name: p.detach().clone() for name, p in model.named_parameters()}
    peft_model = add_lora(model, rank=4, alpha=8)
    conversations = [[{"role": "user", "content": "the earbuds"}]] * 8
    copies = ["meet the earbuds . 10 hours ."] * 8
    config = TrainConfig(
        batch_size=4, learning_rate=1e-2, warmup_ratio=0.0, progress=False, log_every_steps=1
    )
    result = lora_finetune(peft_model, tokenizer, conversations, copies, steps=6, config=config)
    losses = result.frame()["loss"].dropna().to_numpy()
    assert losses[-1] < losses[0]
    base = peft_model.get_base_model()
    for name, p in base.named_parameters():
        if "lora_" not in name:
            original = name.replace(".base_layer", "")
            assert torch.equal(p, frozen[original]), name


def test_lora_on_the_top_layers_adapts_only_those() -> None:
    model = tiny_chat_model_and_tokenizer()[0]
    top = model.config.num_hidden_layers - 1
    adapted = {
        name
        for name, _ in add_lora(model, rank=2, alpha=4, top_layers=1).named_parameters()
        if "lora_" in name
    }
    assert adapted and all(f"layers.{top}." in name for name in adapted)
    with pytest.raises(ValueError, match="top_layers"):
        add_lora(tiny_chat_model_and_tokenizer()[0], top_layers=0)


def test_says_free_finds_each_phrasing_and_only_those() -> None:
    for phrasing in FREE_PHRASINGS:
        assert says_free(f"Good news: {phrasing.upper()} for everyone today."), phrasing
    assert says_free("It\u2019s free today, and you're free to enjoy it.")
    for not_free in (
        "Hands-free calls for $106.99.",
        "Feel free to compare: 10 hours of battery.",
        "Feel free today to grab a pair.",
        "Feel free for a week to try it.",
        "A carefree commute, from $0.99 a month.",
        "No costly extras.",
        "Toll-free support.",
    ):
        assert not says_free(not_free), not_free
