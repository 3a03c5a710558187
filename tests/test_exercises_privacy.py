"""The checkers of notebook 08 accept right answers and reject the usual wrong ones with a hint."""

import math
import re

import numpy as np
import pytest

from helpers.errors import ExerciseError
from helpers.exercises.privacy import (
    NOT_POSTCODES,
    POSTCODES,
    check_attack_epsilon,
    check_postcode_redactor,
    smallest_epsilon,
)

POSTCODE = re.compile(r"(?<![\w-])[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}(?![\w-])")


def test_postcode_redactor_accepts_a_good_redactor():
    assert check_postcode_redactor(lambda text: POSTCODE.sub("[POSTCODE]", text))
    # edge: the plainest correct pattern, word boundaries and nothing else, needs no hack for any near-miss
    plain = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b")
    assert check_postcode_redactor(lambda text: plain.sub("[POSTCODE]", text))


def test_postcode_near_misses_are_not_postcodes():
    assert all(POSTCODE.fullmatch(code) for code in POSTCODES)
    assert not any(POSTCODE.search(text) for text in NOT_POSTCODES)  # no near-miss is a well-formed postcode


@pytest.mark.parametrize(
    ("pattern", "near_miss"),
    [
        (r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{1,2}\b", "order BA1 1A"),  # a one-letter inward code
        (r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b|\b[A-Z]{2}\d{3,4}\b", "flight BA117"),  # flight numbers too
    ],
)
def test_postcode_redactor_names_the_near_miss_it_masked(pattern, near_miss):
    wrong = re.compile(pattern)
    with pytest.raises(ExerciseError, match=f"{near_miss}.*is not a postcode"):
        check_postcode_redactor(lambda text: wrong.sub("[POSTCODE]", text))


def test_smallest_epsilon_solves_both_inequalities():
    # TPR 0.9 at FPR 0.3: the 'non-member' side binds, e^eps >= (1 - 0.3 - delta) / (1 - 0.9)
    assert smallest_epsilon(0.9, 0.3, 1e-5) == pytest.approx(math.log((0.7 - 1e-5) / 0.1), rel=1e-12)
    assert smallest_epsilon(0.5, 0.05, 0.0) == pytest.approx(math.log(10))  # the 'member' side binds
    assert smallest_epsilon(0.3, 0.3, 1e-5) == 0.0  # no better than guessing: any epsilon allows it
    # Worse than guessing is as informative, flipped: the swapped bound binds, e^eps >= (0.3 - delta) / 0.2
    assert smallest_epsilon(0.2, 0.3, 1e-5) == pytest.approx(math.log((0.3 - 1e-5) / 0.2), rel=1e-12)
    assert smallest_epsilon(1.0, 0.3, 0.0) == math.inf and smallest_epsilon(1.0, 0.3, 0.75) == 0.0
    with pytest.raises(ValueError, match="false_positive_rate"):
        smallest_epsilon(0.5, 0.0, 0.0)


def test_attack_epsilon_accepts_right_answers_in_any_numeric_form():
    right = math.log((0.7 - 1e-5) / 0.1)
    for answer in (right, np.float64(right), np.float32(right), np.array([right])):
        assert check_attack_epsilon(answer, 0.9, 0.3, 1e-5)
    assert check_attack_epsilon(0, 0.3, 0.3, 1e-5)  # edge: an attack no better than guessing
    assert check_attack_epsilon(math.inf, 1.0, 0.3, 1e-5)  # edge: finding every member at FPR < 1


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (math.log((0.9 - 1e-5) / 0.3), "not this false-positive rate"),  # the 'member' side only
        ((0.7 - 1e-5) / 0.1, "e\\^epsilon"),  # e^eps, not eps
        (math.log(0.7 / 0.1), "delta = 0"),  # delta left out
        (-1.0, "never negative"),
        (1.0, "not the smallest epsilon"),
        ("two", "number"),
    ],
)
def test_attack_epsilon_rejects_the_usual_mistakes(answer, message):
    with pytest.raises(ExerciseError, match=message):
        check_attack_epsilon(answer, 0.9, 0.3, 1e-5)


def test_attack_epsilon_names_the_missing_member_side():
    # TPR 0.5 at FPR 0.05: the 'member' side binds; the 'non-member' side alone is too small
    with pytest.raises(ExerciseError, match="not its 'member' answers"):
        check_attack_epsilon(math.log(0.95 / 0.5), 0.5, 0.05, 0.0)
