"""Checkers for notebook 04 (training on a GPU): gradient accumulation and the learning-rate schedule."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from helpers.exercises.base import as_number, checker, fail, require

__all__ = ["check_grad_accumulation", "check_learning_rate", "check_padding_speedup"]


@checker
def check_grad_accumulation(answer: Any, micro_batch: int, processes: int, effective_batch: int) -> bool:
    """``answer`` micro-batches per step give ``effective_batch`` = micro_batch × processes × answer."""
    value = as_number(answer, "grad_accumulation")
    require(
        value.is_integer() and not isinstance(answer, bool),  # 128 / (16 * 2) gives 4.0: a whole number too
        f"expected a whole number, got {answer!r}",
        "you cannot accumulate a fraction of a micro-batch",
    )
    answer = int(value)
    correct = answer * micro_batch * processes == effective_batch
    if not correct and answer == effective_batch // micro_batch:
        fail("that ignores the other processes", "every process adds its own micro-batches to each step")
    require(
        correct,
        f"{answer} × {micro_batch} × {processes} = {answer * micro_batch * processes}, not {effective_batch}",
        "effective batch = micro-batch × processes × grad_accumulation",
    )
    return True


@checker
def check_learning_rate(answer: Any, step: int, total_steps: int, warmup_ratio: float, peak: float) -> bool:
    """``answer`` is the linear-warmup, linear-decay learning rate at ``step``."""
    from helpers.optimization import linear_warmup_decay

    warmup = round(warmup_ratio * total_steps)
    expected = peak * linear_warmup_decay(step, warmup, total_steps)
    value = as_number(answer, "the learning rate")
    correct = math.isclose(value, expected, rel_tol=1e-6, abs_tol=1e-12)
    if not correct and math.isclose(value, peak * (total_steps - step) / total_steps, rel_tol=1e-6):
        fail("the decay starts after the warmup, not at step 0", "decay over the steps from t_w to T")
    require(
        correct,
        f"{value:g} is not the learning rate at step {step}",
        "after warmup: peak × (T − t) / (T − t_w)",
    )
    return True


@checker
def check_padding_speedup(answer: Any, lengths: Sequence[int], batch_size: int, max_length: int) -> bool:
    """``answer`` predicts the speed-up of length-sorted dynamic padding over padding to ``max_length``.

    The prediction counts the tokens the model computes: every sequence padded to ``max_length``,
    against batches of ``batch_size`` consecutive sequences in length order, each padded to its longest.
    """
    value = as_number(answer, "speed-up")
    padded = len(lengths) * max_length
    expected = padded / _dynamic_tokens(sorted(lengths), batch_size)
    if math.isclose(value, expected, rel_tol=0.02):  # a prediction to two significant digits passes
        return True
    if math.isclose(value, padded / _dynamic_tokens(list(lengths), batch_size), rel_tol=0.01):
        fail("those batches are in the given order", "sort the lengths first, then cut them into batches")
    if math.isclose(value, padded / sum(lengths), rel_tol=0.01):
        fail("that is the speed-up with no padding at all", "each batch is still padded to its longest")
    fail(f"{value:g}× is not the predicted speed-up", "tokens padded to max_length / tokens with buckets")


def _dynamic_tokens(lengths: Sequence[int], batch_size: int) -> int:
    """Tokens computed when consecutive batches are each padded to their longest sequence."""
    batches = [lengths[i : i + batch_size] for i in range(0, len(lengths), batch_size)]
    return sum(len(batch) * max(batch) for batch in batches)
