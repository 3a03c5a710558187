"""The building blocks of the checkers, and what every checker does with an unanswered exercise."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import helpers.exercises
from helpers.errors import ExerciseError
from helpers.exercises import base

TOPIC_MODULES = sorted(
    f"helpers.exercises.{info.name}"
    for info in pkgutil.iter_modules(helpers.exercises.__path__)
    if info.name != "base"
)


def _checkers() -> list[tuple[str, str]]:
    """(module, name) of every public function named check_* defined in a topic module."""
    found = []
    for module_name in TOPIC_MODULES:
        module = importlib.import_module(module_name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("check_") and function.__module__ == module_name:  # not imported ones
                found.append((module_name, name))
    return found


CHECKERS = _checkers()


def test_the_checkers_are_found_in_every_topic_module():
    assert len(TOPIC_MODULES) == 10  # attention ... training: one module per topic, base apart
    assert {module for module, _ in CHECKERS} == set(TOPIC_MODULES)
    assert len(CHECKERS) >= 27  # the 27 checkers of the course; found, not listed by hand


@pytest.mark.parametrize(("module", "name"), CHECKERS)
def test_every_checker_lives_in_its_topic_module_and_skips_unanswered(module, name, capsys):
    checker = getattr(importlib.import_module(module), name)
    assert name in importlib.import_module(module).__all__
    assert checker(...) is False  # an undecorated checker would raise here
    reminder = f"{name}: not answered yet; replace the ... with your answer and rerun the cell\n"
    assert capsys.readouterr().out == reminder


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
