"""Every exercise checker accepts a right answer and rejects wrong ones with a specific hint."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from helpers import exercises
from helpers.exercises import (
    MINILM_SPECIAL_TOKEN_IDS,
    ExerciseError,
    check,
    check_attention_weights,
    check_causal_mask,
    check_padding_waste,
    check_scaled_scores,
    check_special_tokens,
    check_wordpiece_tokens,
)


def rejects(match: str):
    """The checker raises an AssertionError whose message (problem + hint) matches ``match``."""
    return pytest.raises(AssertionError, match=match)


# --- registry -----------------------------------------------------------------------------------------------


def test_every_checker_is_registered_and_runs_by_name():
    assert set(exercises.available_checkers()) >= {
        "check_causal_mask",
        "check_attention_weights",
        "check_scaled_scores",
        "check_wordpiece_tokens",
        "check_padding_waste",
        "check_special_tokens",
    }
    assert check("check_special_tokens", dict(MINILM_SPECIAL_TOKEN_IDS)) is True
    with pytest.raises(KeyError, match="available"):
        check("check_nothing")


def test_a_new_checker_can_be_registered(monkeypatch):
    monkeypatch.setattr(exercises, "CHECKERS", dict(exercises.CHECKERS))

    @exercises.register
    def check_answer_is_42(answer):
        exercises.require(answer == 42, f"{answer} is not the answer", "think bigger")
        return True

    assert check("check_answer_is_42", 42) is True
    with pytest.raises(ExerciseError, match="Hint: think bigger"):
        check("check_answer_is_42", 41)


def test_exercise_error_is_an_assertion_error_with_a_hint():
    with pytest.raises(AssertionError) as raised:
        exercises.fail("wrong", "try again")
    assert str(raised.value) == "wrong\nHint: try again"


# --- causal mask --------------------------------------------------------------------------------------------


def test_causal_mask_accepts_right_answers():
    assert check_causal_mask(lambda n: torch.tril(torch.ones(n, n, dtype=torch.bool)))
    assert check_causal_mask(lambda n: np.tril(np.ones((n, n), dtype=bool)))


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda n: torch.triu(torch.ones(n, n, dtype=torch.bool)), "upper-triangular"),
        (lambda n: ~torch.tril(torch.ones(n, n, dtype=torch.bool)), "inverted"),
        (lambda n: torch.tril(torch.ones(n, n, dtype=torch.bool), diagonal=-1), "diagonal"),
        (lambda n: torch.tril(torch.ones(n, n)), "dtype"),
        (lambda n: torch.ones(n, n + 1, dtype=torch.bool), "shape"),
        (lambda n: torch.ones(n, n, dtype=torch.bool), "not lower-triangular"),
        (lambda n: 1 / 0, "ZeroDivisionError"),
        (lambda n: "mask", "tensor"),
    ],
)
def test_causal_mask_rejects_wrong_answers(fn, match):
    with rejects(match):
        check_causal_mask(fn)


# --- scaled scores ------------------------------------------------------------------------------------------


def test_scaled_scores_accepts_a_right_answer():
    assert check_scaled_scores(lambda q, k: q @ k.transpose(-2, -1) / math.sqrt(q.size(-1)))


@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (lambda q, k: q @ k.transpose(-2, -1), "forgot to scale"),
        (lambda q, k: q @ k.transpose(-2, -1) / q.size(-1), "divided by d_k"),
        (lambda q, k: (q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))).softmax(-1), "softmax"),
        (lambda q, k: k @ q.transpose(-2, -1) / math.sqrt(q.size(-1)), "transposed"),
        pytest.param(
            lambda q, k: q @ k.T / math.sqrt(q.size(-1)),
            r"transpose\(-2, -1\)",
            marks=pytest.mark.filterwarnings("ignore:The use of `x.T`:UserWarning"),
            id="k.T-on-a-batch",
        ),
        (lambda q, k: torch.zeros(3, 5), "wrong"),
    ],
)
def test_scaled_scores_rejects_wrong_answers(fn, match):
    with rejects(match):
        check_scaled_scores(fn)


# --- attention weights --------------------------------------------------------------------------------------

Q = torch.tensor([[1.0, 0.0, 2.0, 1.0], [0.0, 1.0, -1.0, 3.0]])
K = torch.tensor([[1.0, 1.0, 0.0, 0.0], [2.0, 0.0, 1.0, -1.0], [0.0, 3.0, 1.0, 1.0]])
SCORES = Q @ K.T / 2  # √d_k = √4 = 2


def test_attention_weights_accepts_right_answers():
    assert check_attention_weights(SCORES.softmax(-1), Q, K)
    assert check_attention_weights(SCORES.softmax(-1).float().numpy(), Q.numpy(), K.numpy())
    assert check_attention_weights(SCORES.softmax(-1).tolist(), Q, K)


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ((Q @ K.T).softmax(-1), "not scaled"),
        ((Q @ K.T / 4).softmax(-1), "divided by d_k"),
        (SCORES.softmax(0), "columns"),
        (SCORES, "scores"),
        (SCORES.softmax(-1).T, "shape"),
        (torch.full((2, 3), 0.5), "sum to"),
        (SCORES.softmax(-1).flip(-1), "wrong"),
    ],
)
def test_attention_weights_rejects_wrong_answers(weights, match):
    with rejects(match):
        check_attention_weights(weights, Q, K)


# --- WordPiece ----------------------------------------------------------------------------------------------

VOCAB = ["[UNK]", "s", "sh", "sho", "shoe", "##e", "##s", "##es", "##o", "##h"]


def test_wordpiece_tokens_accepts_right_answers():
    assert check_wordpiece_tokens(["shoe", "##s"], "shoes", VOCAB)
    assert check_wordpiece_tokens(("sho", "##o"), "shoo", set(VOCAB))
    assert check_wordpiece_tokens(["[UNK]"], "shox", {token: i for i, token in enumerate(VOCAB)})


@pytest.mark.parametrize(
    ("tokens", "word", "match"),
    [
        (["sho", "##es"], "shoes", "(?s)not the greedy one.*'shoe'"),
        (["shoe", "s"], "shoes", "## prefix"),
        (["shoe", "##s", "##s"], "shoes", "spell"),
        (["s", "##hoes"], "shoes", "not in the vocabulary"),
        (["sho", "[UNK]"], "shox", "whole word"),
        (["shoe", "[UNK]"], "shoes", "covers"),
        ("shoe ##s", "shoes", "list of strings"),
    ],
)
def test_wordpiece_tokens_rejects_wrong_answers(tokens, word, match):
    with rejects(match):
        check_wordpiece_tokens(tokens, word, VOCAB)


# --- padding waste ------------------------------------------------------------------------------------------

LENGTHS = [2, 8, 3, 5]  # bucketed: [2, 3], [5, 8] -> 4 pads of 22; dynamic: [2, 8], [3, 5] -> 8 of 26


def test_padding_waste_accepts_right_answers():
    assert check_padding_waste(100 * 4 / 22, LENGTHS, 2)
    assert check_padding_waste(18.2, LENGTHS, 2)  # rounded to one decimal
    assert check_padding_waste(100 * 8 / 26, LENGTHS, 2, strategy="dynamic")
    assert check_padding_waste(55.0, LENGTHS, 2, strategy="max_length", max_length=10)


@pytest.mark.parametrize(
    ("answer", "strategy", "match"),
    [
        (4 / 22, "bucketed", "fraction"),
        (100 - 100 * 4 / 22, "bucketed", "real tokens"),
        (100 * 8 / 26, "bucketed", "'dynamic' strategy"),
        (100 * 4 / 22, "dynamic", "'bucketed' strategy"),
        (25.0, "bucketed", "not the padding waste"),
        ("18%", "bucketed", "number"),
    ],
)
def test_padding_waste_rejects_wrong_answers(answer, strategy, match):
    with rejects(match):
        check_padding_waste(answer, LENGTHS, 2, strategy=strategy)


# --- special tokens -----------------------------------------------------------------------------------------


def test_special_tokens_accepts_the_minilm_ids():
    assert check_special_tokens({"[CLS]": 101, "[SEP]": 102, "[PAD]": 0, "[MASK]": 103, "[UNK]": 100})


def test_special_tokens_match_the_real_minilm_tokenizer():
    from helpers import load_tokenizer

    tokenizer = load_tokenizer("minilm")
    assert check_special_tokens(dict(MINILM_SPECIAL_TOKEN_IDS), tokenizer)
    assert tokenizer.cls_token_id == MINILM_SPECIAL_TOKEN_IDS["[CLS]"]


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        ({"[CLS]": 102, "[SEP]": 101, "[PAD]": 0, "[MASK]": 103, "[UNK]": 100}, "wrong ids.*CLS.*SEP"),
        ({"[CLS]": 101, "[SEP]": 102}, "missing"),
        ([101, 102, 0, 103, 100], "dict"),
    ],
)
def test_special_tokens_rejects_wrong_answers(answer, match):
    with rejects(match):
        check_special_tokens(answer)


def test_unanswered_exercise_is_not_judged(capsys) -> None:
    from helpers.exercises import check_special_tokens

    assert check_special_tokens(...) is False
    assert "not answered yet" in capsys.readouterr().out


def test_conversion_by_group_checker() -> None:
    import pandas as pd

    from helpers.errors import ExerciseError
    from helpers.exercises import check_conversion_by_group

    sessions = pd.DataFrame(
        {"kind": ["a", "a", "b", "b", "b"], "purchased": [True, False, False, False, True]}
    )
    assert check_conversion_by_group(sessions.groupby("kind")["purchased"].mean(), sessions, "kind")
    with pytest.raises(ExerciseError, match="counts"):
        check_conversion_by_group(sessions.groupby("kind").size(), sessions, "kind")
    with pytest.raises(ExerciseError, match="no rate"):
        check_conversion_by_group({"a": 0.5}, sessions, "kind")
    with pytest.raises(ExerciseError, match="wrong rate"):
        check_conversion_by_group({"a": 0.5, "b": 0.5}, sessions, "kind")


def test_pos_weight_checker() -> None:
    from helpers.errors import ExerciseError
    from helpers.exercises import check_pos_weight

    labels = [1, 0, 0, 0, 0, 1, 0, 0]
    assert check_pos_weight(3.0, labels)
    with pytest.raises(ExerciseError, match="upside down"):
        check_pos_weight(1 / 3, labels)
    with pytest.raises(ExerciseError, match="share of positives"):
        check_pos_weight(0.25, labels)
    with pytest.raises(ExerciseError, match="not the pos_weight"):
        check_pos_weight(2.0, labels)


def test_bce_loss_checker() -> None:
    from helpers.errors import ExerciseError
    from helpers.exercises import check_bce_loss

    logits, labels = torch.tensor([2.0, -1.0, 0.5]), torch.tensor([1.0, 0.0, 0.0])
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    right = bce(logits, labels, pos_weight=torch.tensor(4.0))
    assert check_bce_loss(right, logits, labels, 4.0)
    with pytest.raises(ExerciseError, match="without pos_weight"):
        check_bce_loss(bce(logits, labels), logits, labels, 4.0)
    with pytest.raises(ExerciseError, match="twice"):
        check_bce_loss(bce(torch.sigmoid(logits), labels), logits, labels, 4.0)
    with pytest.raises(ExerciseError, match="not the expected"):
        check_bce_loss(0.1, logits, labels, 4.0)


def test_grad_accumulation_checker() -> None:
    from helpers.errors import ExerciseError
    from helpers.exercises import check_grad_accumulation

    assert check_grad_accumulation(4, micro_batch=16, processes=2, effective_batch=128)
    with pytest.raises(ExerciseError, match="other processes"):
        check_grad_accumulation(8, micro_batch=16, processes=2, effective_batch=128)
    with pytest.raises(ExerciseError, match="whole number"):
        check_grad_accumulation(4.0, micro_batch=16, processes=2, effective_batch=128)
    with pytest.raises(ExerciseError, match="not 128"):
        check_grad_accumulation(3, micro_batch=16, processes=2, effective_batch=128)


def test_learning_rate_checker() -> None:
    from helpers.errors import ExerciseError
    from helpers.exercises import check_learning_rate

    expected = 1e-4 * (1000 - 550) / (1000 - 100)
    assert check_learning_rate(expected, step=550, total_steps=1000, warmup_ratio=0.1, peak=1e-4)
    with pytest.raises(ExerciseError, match="after the warmup"):
        check_learning_rate(1e-4 * 450 / 1000, step=550, total_steps=1000, warmup_ratio=0.1, peak=1e-4)
    with pytest.raises(ExerciseError, match="not the learning rate"):
        check_learning_rate(1e-4, step=550, total_steps=1000, warmup_ratio=0.1, peak=1e-4)
