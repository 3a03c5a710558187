"""The attention checkers (notebook 01) accept right answers and reject wrong ones with a specific hint."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from helpers.errors import ExerciseError
from helpers.exercises.attention import (
    check_attention_memory,
    check_attention_weights,
    check_causal_mask,
    check_scaled_scores,
)


def rejects(match: str):
    """The checker raises an AssertionError whose message (problem + hint) matches ``match``."""
    return pytest.raises(AssertionError, match=match)


def test_importing_the_attention_checkers_does_not_load_the_tokenizers():
    code = (
        "import sys\n"
        "import helpers.exercises.attention\n"
        "unwanted = ('helpers.tokenization', 'tokenizers', 'helpers.exercises.tokenization')\n"
        "loaded = [name for name in unwanted if name in sys.modules]\n"
        "print(loaded)\n"
        "sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


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
    assert check_attention_weights(lambda q, k: (q @ k.T / q.shape[-1] ** 0.5).softmax(-1), Q, K)


def test_attention_weights_refuses_ready_made_attention():
    def attention(q, k, v):  # notebook 01's function, imported under its name
        weights = (q @ k.T / 2).softmax(-1)
        return weights @ v, weights

    with rejects("own attention"):
        check_attention_weights(lambda q, k: attention(q, k, k)[1], Q, K)
    with rejects("own scaled_dot_product_attention"):
        check_attention_weights(lambda q, k: torch.nn.functional.scaled_dot_product_attention(q, k, k), Q, K)


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


def test_causal_mask_checker_refuses_the_workbook_helper() -> None:
    from helpers.attention import causal_mask

    with pytest.raises(ExerciseError, match="own causal_mask"):
        check_causal_mask(causal_mask)
    assert check_causal_mask(lambda n: torch.ones(n, n).tril().bool())


def test_attention_memory_checker() -> None:
    exact = 16 * 12 * 256**2 * 4  # bytes
    assert check_attention_memory(exact / 1e6, batch=16, heads=12, length=256)
    assert check_attention_memory(exact / 2**20, batch=16, heads=12, length=256)  # MiB
    assert check_attention_memory(50.3, batch=16, heads=12, length=256)  # rounded by hand
    with pytest.raises(ExerciseError, match="heads are missing"):
        check_attention_memory(exact / 12 / 1e6, batch=16, heads=12, length=256)
    with pytest.raises(ExerciseError, match="not squared"):
        check_attention_memory(exact / 256 / 1e6, batch=16, heads=12, length=256)
    with pytest.raises(ExerciseError, match="bytes"):
        check_attention_memory(exact / 4 / 1e6, batch=16, heads=12, length=256)
    with pytest.raises(ExerciseError, match="not the size"):
        check_attention_memory(1.0, batch=16, heads=12, length=256)
    # edge: one sequence, one head, where several mistakes coincide with the right answer
    assert check_attention_memory(4 * 100**2 / 1e6, batch=1, heads=1, length=100)


def test_causal_mask_checker_refuses_a_wrapper_around_the_workbook_helper() -> None:
    from helpers import attention
    from helpers.attention import causal_mask

    with pytest.raises(ExerciseError, match="own causal_mask"):
        check_causal_mask(lambda n: causal_mask(n))
    with pytest.raises(ExerciseError, match="own causal_mask"):
        check_causal_mask(lambda n: attention.causal_mask(n))
