"""The training checkers (notebook 04) accept right answers and reject the usual mistakes."""

from __future__ import annotations

import pytest

from helpers.errors import ExerciseError
from helpers.exercises.training import check_grad_accumulation, check_learning_rate


def test_grad_accumulation_checker() -> None:
    assert check_grad_accumulation(4, micro_batch=16, processes=2, effective_batch=128)
    with pytest.raises(ExerciseError, match="other processes"):
        check_grad_accumulation(8, micro_batch=16, processes=2, effective_batch=128)
    with pytest.raises(ExerciseError, match="whole number"):
        check_grad_accumulation(4.0, micro_batch=16, processes=2, effective_batch=128)
    with pytest.raises(ExerciseError, match="not 128"):
        check_grad_accumulation(3, micro_batch=16, processes=2, effective_batch=128)


def test_learning_rate_checker() -> None:
    expected = 1e-4 * (1000 - 550) / (1000 - 100)
    assert check_learning_rate(expected, step=550, total_steps=1000, warmup_ratio=0.1, peak=1e-4)
    with pytest.raises(ExerciseError, match="after the warmup"):
        check_learning_rate(1e-4 * 450 / 1000, step=550, total_steps=1000, warmup_ratio=0.1, peak=1e-4)
    with pytest.raises(ExerciseError, match="not the learning rate"):
        check_learning_rate(1e-4, step=550, total_steps=1000, warmup_ratio=0.1, peak=1e-4)


def test_checkers_accept_right_answers_at_the_edges() -> None:
    # One process: the answer equals effective // micro, which is also the "ignores processes" mistake.
    assert check_grad_accumulation(4, 8, 1, 32)
    # The last step of a linear decay: the rate is 0, as is the "decay from step 0" mistake's.
    assert check_learning_rate(0.0, step=100, total_steps=100, warmup_ratio=0.1, peak=1e-3)
