"""The training checkers (notebook 04) accept right answers and reject the usual mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.errors import ExerciseError
from helpers.exercises.training import check_grad_accumulation, check_learning_rate, check_padding_speedup


def test_grad_accumulation_checker() -> None:
    assert check_grad_accumulation(4, micro_batch=16, processes=2, effective_batch=128)
    with pytest.raises(ExerciseError, match="other processes"):
        check_grad_accumulation(8, micro_batch=16, processes=2, effective_batch=128)
    assert check_grad_accumulation(4.0, micro_batch=16, processes=2, effective_batch=128)  # 128 / (16 * 2)
    with pytest.raises(ExerciseError, match="whole number"):
        check_grad_accumulation(4.5, micro_batch=16, processes=2, effective_batch=128)
    with pytest.raises(ExerciseError, match="whole number"):
        check_grad_accumulation(True, micro_batch=128, processes=1, effective_batch=128)
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


def test_padding_speedup_checker() -> None:
    lengths = [12, 100, 40, 35, 90, 15, 60, 64]
    # sorted: [12, 15, 35, 40] padded to 40, [60, 64, 90, 100] to 100 -> 560 tokens; padded to 128: 1,024
    assert check_padding_speedup(1024 / 560, lengths, batch_size=4, max_length=128)
    assert check_padding_speedup(1.83, lengths, batch_size=4, max_length=128)  # rounded by hand
    assert check_padding_speedup(1.8, lengths, batch_size=4, max_length=128)  # predicted to two digits
    with pytest.raises(ExerciseError, match="given order"):
        check_padding_speedup(1024 / (4 * 100 + 4 * 90), lengths, batch_size=4, max_length=128)
    with pytest.raises(ExerciseError, match="no padding at all"):
        check_padding_speedup(1024 / sum(lengths), lengths, batch_size=4, max_length=128)
    with pytest.raises(ExerciseError, match="not the predicted"):
        check_padding_speedup(2.5, lengths, batch_size=4, max_length=128)
    # edge: every sequence already max_length long, nothing to gain
    assert check_padding_speedup(1.0, [128] * 5, batch_size=2, max_length=128)


def test_checkers_take_numpy_numbers_and_explain_a_non_number() -> None:
    assert check_grad_accumulation(np.int64(4), micro_batch=16, processes=2, effective_batch=128)
    with pytest.raises(ExerciseError, match="whole number"):
        check_grad_accumulation(True, micro_batch=16, processes=2, effective_batch=128)
    expected = np.float32(1e-4 * (1000 - 550) / (1000 - 100))
    assert check_learning_rate(expected, step=550, total_steps=1000, warmup_ratio=0.1, peak=1e-4)
    with pytest.raises(ExerciseError, match="should be a number"):
        check_learning_rate("peak", step=550, total_steps=1000, warmup_ratio=0.1, peak=1e-4)
