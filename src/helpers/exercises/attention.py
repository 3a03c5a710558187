"""Checkers for notebook 01 (attention math): the causal mask, the scaled scores, the attention weights.

:class:`~helpers.errors.ExerciseError` is importable from here too, for the notebook cell that shows
what a wrong answer looks like by catching it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from helpers.errors import ExerciseError
from helpers.exercises.base import (
    as_number,
    as_tensor,
    call_learner,
    checker,
    fail,
    matches,
    refuse_workbook_code,
    require,
)

__all__ = [
    "ExerciseError",
    "check_attention_memory",
    "check_attention_weights",
    "check_causal_mask",
    "check_scaled_scores",
]


@checker
def check_causal_mask(fn: Callable[[int], Any], sizes: Sequence[int] = (4, 7, 1)) -> bool:
    """``fn(n)`` must return the boolean (n, n) mask with ``True`` where query i may attend to key j ≤ i."""
    from helpers.attention import causal_mask

    refuse_workbook_code(fn, causal_mask)
    for n in sizes:
        mask = as_tensor(call_learner(fn, n), f"causal_mask({n})")
        require(
            mask.shape == (n, n), f"causal_mask({n}) has shape {tuple(mask.shape)}", f"expected ({n}, {n})"
        )
        _check_mask_pattern(mask != 0, n)
        require(
            mask.dtype == torch.bool,
            f"the pattern is right but the dtype is {mask.dtype}",
            "masks in this workbook are boolean (True = may attend): add .bool() or use dtype=torch.bool",
        )
    return True


def _check_mask_pattern(mask: torch.Tensor, n: int) -> None:
    expected = torch.ones(n, n, dtype=torch.bool).tril()
    if torch.equal(mask, expected):
        return
    if torch.equal(mask, expected.T):
        fail(
            "your mask is upper-triangular",
            "row i is query i; it may see keys j <= i, i.e. the lower triangle",
        )
    if torch.equal(mask, ~expected):
        fail("your mask is inverted", "here True means 'may attend', not 'blocked'")
    if torch.equal(mask, expected & ~torch.eye(n, dtype=torch.bool)):
        fail("the diagonal is False", "a token may attend to itself: j <= i includes j == i")
    fail(
        f"causal_mask({n}) is not lower-triangular:\n{mask.int()}", "torch.tril(torch.ones(n, n)) is a start"
    )


@checker
def check_scaled_scores(fn: Callable[[torch.Tensor, torch.Tensor], Any], seed: int = 0) -> bool:
    """``fn(q, k)`` must return the scores Q Kᵀ / √d_k (before the softmax), also for batched inputs."""
    generator = torch.Generator().manual_seed(seed)
    q, k = torch.randn(3, 16, generator=generator), torch.randn(5, 16, generator=generator)
    _diagnose_scores(as_tensor(call_learner(fn, q, k), "the scores"), q, k)
    q, k = torch.randn(2, 3, 16, generator=generator), torch.randn(2, 5, 16, generator=generator)
    batch_hint = "k.T reverses *all* axes of a batch; use k.transpose(-2, -1) to swap only the last two"
    scores = as_tensor(call_learner(fn, q, k, hint=batch_hint), "the batched scores")
    require(
        matches(scores, q @ k.transpose(-2, -1) / 4),
        "right for single matrices but wrong for a batch of shape (2, 3, 16)",
        batch_hint,
    )
    return True


def _diagnose_scores(scores: torch.Tensor, q: torch.Tensor, k: torch.Tensor) -> None:
    """Compare scores with Q Kᵀ/√d_k and with the common wrong versions of it."""
    d_k = q.size(-1)
    raw = q @ k.T
    expected = raw / math.sqrt(d_k)
    if matches(scores, expected):
        return
    if scores.shape == expected.T.shape and matches(scores, expected.T):
        fail(f"shape {tuple(scores.shape)} is transposed", "rows are queries: compute q @ k.T, not k @ q.T")
    wrong_versions = {
        "you forgot to scale": (raw, f"divide Q Kᵀ by √d_k = √{d_k} = {math.sqrt(d_k):g}"),
        "you divided by d_k": (raw / d_k, "divide by the square root of d_k, not by d_k"),
        "you applied the softmax": (expected.softmax(-1), "return the scores; the softmax comes next"),
    }
    _fail_if_matches_any(scores, wrong_versions)
    fail(
        f"the scores are wrong (shape {tuple(scores.shape)})",
        f"expected Q Kᵀ / √d_k, shape {tuple(expected.shape)}",
    )


@checker
def check_attention_weights(weights: Any, q: Any, k: Any) -> bool:
    """``weights`` must be softmax(Q Kᵀ / √d_k) over the keys (each row sums to 1).

    ``weights`` may be the tensor, or a function ``weights(q, k)`` written without any ready-made
    attention (notebook 01's ``attention``, ``scaled_dot_product_attention``).
    """
    q, k = as_tensor(q, "q"), as_tensor(k, "k")
    if callable(weights):
        refuse_workbook_code(weights, methods=("attention", "scaled_dot_product_attention"))
        weights = call_learner(weights, q, k)
    weights = as_tensor(weights, "the weights")
    d_k = q.size(-1)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)
    expected = scores.softmax(dim=-1)
    if matches(weights, expected):
        return True
    require(
        weights.shape == expected.shape,
        f"the weights have shape {tuple(weights.shape)}",
        f"one row per query and one column per key: expected {tuple(expected.shape)}",
    )
    wrong_versions = {
        "the weights are not scaled": (
            (scores * math.sqrt(d_k)).softmax(-1),
            "divide Q Kᵀ by √d_k before the softmax",
        ),
        "you divided by d_k": ((scores / math.sqrt(d_k)).softmax(-1), "divide by √d_k, not d_k"),
        "the softmax ran down the columns": (
            scores.softmax(dim=-2),
            "use softmax(dim=-1): each query's row sums to 1",
        ),
        "these are the scores": (scores, "apply the softmax to the scores"),
    }
    _fail_if_matches_any(weights, wrong_versions)
    row_sums = weights.sum(dim=-1)
    require(
        torch.allclose(row_sums, torch.ones_like(row_sums), atol=1e-4),
        f"the rows sum to {row_sums.flatten()[:4].tolist()}, not 1",
        "the softmax makes each row (one query) a probability distribution over the keys",
    )
    fail("the weights are wrong", "compute softmax(q @ k.T / √d_k, dim=-1)")


def _fail_if_matches_any(
    answer: torch.Tensor, wrong_versions: Mapping[str, tuple[torch.Tensor, str]]
) -> None:
    """:func:`fail` with the problem and hint of the first wrong version that ``answer`` matches."""
    for problem, (wrong, hint) in wrong_versions.items():
        if matches(answer, wrong):
            fail(problem, hint)


@checker
def check_attention_memory(
    answer: Any, batch: int, heads: int, length: int, bytes_per_value: int = 4
) -> bool:
    """``answer`` is the size in MB (10⁶ bytes; MiB accepted) of one layer's attention weights for a batch.

    A predict-before-you-run exercise: the weights are one (length × length) matrix per head per sequence.
    """
    value = as_number(answer, "memory in MB")
    expected = batch * heads * length**2 * bytes_per_value
    if any(math.isclose(value, expected / unit, rel_tol=0.02) for unit in (1e6, 2**20)):
        return True
    mistakes = {
        "the heads are missing: every head has its own weight matrix": expected / heads,
        "the batch is missing: every sequence has its own weights": expected / batch,
        "the length is not squared: each of n queries weighs each of n keys": expected / length,
        "that counts values, not bytes: a float32 takes 4 bytes": expected / bytes_per_value,
    }
    for problem, wrong in mistakes.items():
        if any(math.isclose(value, wrong / unit, rel_tol=0.02) for unit in (1e6, 2**20)):
            fail(problem, "bytes = batch × heads × length² × bytes per value; MB = bytes / 10⁶")
    fail(f"{value:g} MB is not the size of the attention weights", "bytes = batch × heads × length² × 4")
