"""The checkers of notebook 08 accept right answers and reject the usual wrong ones with a hint."""

import math
import re

import pytest

from helpers.errors import ExerciseError
from helpers.exercises.privacy import check_attack_bound, check_postcode_redactor

POSTCODE = re.compile(r"(?<![\w-])(?<!flight )[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}(?![\w-])")


def test_postcode_redactor_accepts_a_good_redactor():
    assert check_postcode_redactor(lambda text: POSTCODE.sub("[POSTCODE]", text))


def test_postcode_redactor_rejects_over_and_under_masking_and_crashes():
    with pytest.raises(ExerciseError, match="became"):
        check_postcode_redactor(lambda text: text)  # masks nothing
    greedy = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\s?\d?[A-Z\d]{0,2}")
    with pytest.raises(ExerciseError, match="not a postcode"):
        check_postcode_redactor(
            lambda text: greedy.sub("[POSTCODE]", text) if "ship" in text else greedy.sub("[POSTCODE]", text)
        )
    with pytest.raises(ExerciseError, match="raised"):
        check_postcode_redactor(lambda text: text.nope())
    with pytest.raises(ExerciseError, match="function"):
        check_postcode_redactor("SW1A 1AA")


def test_unanswered_exercises_are_not_judged():
    assert check_postcode_redactor() is False and check_attack_bound(..., 1.0, 0.05) is False


def test_attack_bound_right_and_wrong_answers():
    right = min(math.e * 0.05, 1 - math.exp(-1) * 0.95)
    assert check_attack_bound(right, 1.0, 0.05)
    tight = 1 - math.exp(-3) * 0.5  # at a large FPR the second bound is the binding one
    assert check_attack_bound(tight, 3.0, 0.5)
    with pytest.raises(ExerciseError, match="tighter"):
        check_attack_bound(math.exp(3) * 0.5, 3.0, 0.5)
    with pytest.raises(ExerciseError, match="exponent"):
        check_attack_bound(0.05, 1.0, 0.05)
    with pytest.raises(ExerciseError, match="not the largest"):
        check_attack_bound(0.2, 1.0, 0.05)


def test_break_even_checker():
    from helpers.exercises.report import check_break_even

    assert check_break_even(0.05, 1.0, 20.0)
    with pytest.raises(ExerciseError, match="upside down"):
        check_break_even(20.0, 1.0, 20.0)
    with pytest.raises(ExerciseError, match="default threshold"):
        check_break_even(0.5, 1.0, 20.0)
    with pytest.raises(ExerciseError, match="not the break-even"):
        check_break_even(0.1, 1.0, 20.0)
