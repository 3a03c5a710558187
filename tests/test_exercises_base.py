"""The building blocks of the checkers, and what every checker does with an unanswered exercise."""

from __future__ import annotations

import importlib

import pytest

from helpers.errors import ExerciseError
from helpers.exercises import base

CHECKERS_BY_MODULE = {
    "attention": ["check_causal_mask", "check_attention_weights", "check_scaled_scores"],
    "tokenization": [
        "check_wordpiece",
        "check_padding_waste",
        "check_special_tokens",
        "check_token_count",
        "check_tokens_that_differ",
    ],
    "data": ["check_conversion_by_group", "check_signal_probability"],
    "predictor": ["check_pos_weight", "check_bce_loss"],
    "evaluation": ["check_top_decile_lift", "check_best_contacts"],
    "training": ["check_grad_accumulation", "check_learning_rate"],
}


@pytest.mark.parametrize(
    ("module", "name"),
    [(module, name) for module, names in CHECKERS_BY_MODULE.items() for name in names],
)
def test_every_checker_lives_in_its_topic_module_and_skips_unanswered(module, name, capsys):
    checker = getattr(importlib.import_module(f"helpers.exercises.{module}"), name)
    assert name in importlib.import_module(f"helpers.exercises.{module}").__all__
    assert checker(...) is False
    assert f"{name}: not answered yet" in capsys.readouterr().out


def test_a_new_checker_can_be_written(capsys):
    @base.checker
    def check_answer_is_42(answer):
        base.require(answer == 42, f"{answer} is not the answer", "think bigger")
        return True

    assert check_answer_is_42(42) is True
    assert "check_answer_is_42: correct!" in capsys.readouterr().out
    with pytest.raises(ExerciseError, match="Hint: think bigger"):
        check_answer_is_42(41)
    assert check_answer_is_42(...) is False


def test_exercise_error_is_an_assertion_error_with_a_hint():
    with pytest.raises(AssertionError) as raised:
        base.fail("wrong", "try again")
    assert str(raised.value) == "wrong\nHint: try again"


def test_a_number_answer_is_exactly_one_number() -> None:
    import numpy as np
    import pytest
    import torch

    from helpers.errors import ExerciseError
    from helpers.exercises.base import as_number

    for one in (4, 4.0, np.float32(4), np.array([4.0]), torch.tensor(4.0)):
        assert as_number(one, "x") == 4.0
    for wrong, message in (([4, 7], "one number, got 2"), ("4", "text"), (None, "number"), ([], "got 0")):
        with pytest.raises(ExerciseError, match=message):
            as_number(wrong, "x")
