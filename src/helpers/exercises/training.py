"""Checkers for notebook 04 (training on a GPU): gradient accumulation and the learning-rate schedule."""

from __future__ import annotations

import math
from typing import Any

from helpers.exercises.base import checker, fail, require

__all__ = ["check_grad_accumulation", "check_learning_rate"]


@checker
def check_grad_accumulation(answer: Any, micro_batch: int, processes: int, effective_batch: int) -> bool:
    """``answer`` micro-batches per step give ``effective_batch`` = micro_batch × processes × answer."""
    require(
        isinstance(answer, int) and not isinstance(answer, bool),
        f"expected a whole number, got {answer!r}",
        "you cannot accumulate a fraction of a micro-batch",
    )
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
    value = float(answer)
    correct = math.isclose(value, expected, rel_tol=1e-6, abs_tol=1e-12)
    if not correct and math.isclose(value, peak * (total_steps - step) / total_steps, rel_tol=1e-6):
        fail("the decay starts after the warmup, not at step 0", "decay over the steps from t_w to T")
    require(
        correct,
        f"{value:g} is not the learning rate at step {step}",
        "after warmup: peak × (T − t) / (T − t_w)",
    )
    return True
