"""Checkers for the notebook exercises: ``True`` for a right answer, else an error that says what to fix.

Every checker returns ``True`` or raises :class:`ExerciseError` (an ``AssertionError``) whose message
names the problem and ends with a hint. Checkers look for the usual mistakes first (a forgotten
√d_k, a softmax over the wrong axis, a mask upside down) so that the hint is specific.

Adding a checker for another notebook: write a function that calls :func:`fail` (or :func:`require`)
and decorate it with :func:`register`; it is then listed by :func:`available_checkers` and can be run
as ``check("check_name", ...)`` as well as called directly.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

import torch

from helpers.errors import ExerciseError

from helpers.tokenization import CONTINUATION, PADDING_STRATEGIES, UNK_TOKEN, padding_waste, tokenize_word

MINILM_SPECIAL_TOKEN_IDS = {"[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102, "[MASK]": 103}

CHECKERS: dict[str, Callable[..., bool]] = {}


# ---------------------------------------------------------------------------------------------------------
# The registry and the building blocks of a checker
# ---------------------------------------------------------------------------------------------------------


def register(checker: Callable[..., bool]) -> Callable[..., bool]:
    """Decorator: add a checker to :data:`CHECKERS` under its function name.

    An answer still left as ``...`` (how exercise cells are handed out) is not judged: the checker
    prints a reminder and returns ``False``, so a notebook with open exercises still runs end to end.
    """

    @functools.wraps(checker)
    def checked(answer: Any = ..., *args: Any, **kwargs: Any) -> bool:
        if answer is ...:
            print(
                f"{checker.__name__}: not answered yet; replace the ... with your answer and rerun the cell"
            )
            return False
        result = checker(answer, *args, **kwargs)
        print(f"{checker.__name__}: correct!")
        return result

    CHECKERS[checker.__name__] = checked
    return checked


def available_checkers() -> list[str]:
    return sorted(CHECKERS)


def check(name: str, *args: Any, **kwargs: Any) -> bool:
    """Run the checker called ``name``: ``check("check_causal_mask", my_function)``."""
    if name not in CHECKERS:
        raise KeyError(f"no checker {name!r}; available: {', '.join(available_checkers())}")
    return CHECKERS[name](*args, **kwargs)


def fail(problem: str, hint: str) -> NoReturn:
    """Reject an answer: ``problem`` says what is wrong, ``hint`` how to get closer."""
    raise ExerciseError(f"{problem}\nHint: {hint}")


def require(condition: bool, problem: str, hint: str) -> None:
    """:func:`fail` unless ``condition`` holds."""
    if not condition:
        fail(problem, hint)


def as_tensor(answer: Any, what: str) -> torch.Tensor:
    """The answer as a float64 or bool tensor (lists and NumPy arrays are accepted too)."""
    try:
        tensor = torch.as_tensor(answer)
    except (TypeError, ValueError, RuntimeError):
        fail(f"{what} should be a tensor, got {type(answer).__name__}", "return a torch.Tensor")
    return tensor if tensor.dtype == torch.bool else tensor.double()


def matches(answer: torch.Tensor, expected: torch.Tensor, atol: float = 1e-4) -> bool:
    """Same shape and values within ``atol`` (loose enough for float32 answers)."""
    return answer.shape == expected.shape and torch.allclose(answer.double(), expected.double(), atol=atol)


def _call(fn: Callable[..., Any], *args: Any, hint: str = "") -> Any:
    """Call the learner's function, turning a crash into a message that shows the inputs' shapes."""
    try:
        return fn(*args)
    except Exception as error:  # any error in learner code becomes feedback
        shapes = ", ".join(str(tuple(arg.shape)) if hasattr(arg, "shape") else repr(arg) for arg in args)
        fail(
            f"your function raised {type(error).__name__}: {error}",
            f"it was called with inputs {shapes}" + (f"; {hint}" if hint else ""),
        )


# ---------------------------------------------------------------------------------------------------------
# Attention (notebook 01)
# ---------------------------------------------------------------------------------------------------------


@register
def check_causal_mask(fn: Callable[[int], Any], sizes: Sequence[int] = (4, 7, 1)) -> bool:
    """``fn(n)`` must return the boolean (n, n) mask with ``True`` where query i may attend to key j ≤ i."""
    for n in sizes:
        mask = as_tensor(_call(fn, n), f"causal_mask({n})")
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


@register
def check_scaled_scores(fn: Callable[[torch.Tensor, torch.Tensor], Any], seed: int = 0) -> bool:
    """``fn(q, k)`` must return the scores Q Kᵀ / √d_k (before the softmax), also for batched inputs."""
    generator = torch.Generator().manual_seed(seed)
    q, k = torch.randn(3, 16, generator=generator), torch.randn(5, 16, generator=generator)
    _diagnose_scores(as_tensor(_call(fn, q, k), "the scores"), q, k)
    q, k = torch.randn(2, 3, 16, generator=generator), torch.randn(2, 5, 16, generator=generator)
    batch_hint = "k.T reverses *all* axes of a batch; use k.transpose(-2, -1) to swap only the last two"
    scores = as_tensor(_call(fn, q, k, hint=batch_hint), "the batched scores")
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


@register
def check_attention_weights(weights: Any, q: Any, k: Any) -> bool:
    """``weights`` must be softmax(Q Kᵀ / √d_k) over the keys (each row sums to 1)."""
    weights, q, k = as_tensor(weights, "the weights"), as_tensor(q, "q"), as_tensor(k, "k")
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
    for problem, (wrong, hint) in wrong_versions.items():
        if matches(answer, wrong):
            fail(problem, hint)


# ---------------------------------------------------------------------------------------------------------
# Tokenization (notebook 02)
# ---------------------------------------------------------------------------------------------------------


@register
def check_wordpiece_tokens(
    tokens: Any, word: str, vocab: Sequence[str] | set[str] | Mapping[str, int]
) -> bool:
    """``tokens`` must be the greedy longest-match-first WordPiece encoding of ``word``."""
    require(
        isinstance(tokens, list | tuple) and all(isinstance(token, str) for token in tokens),
        f"expected a list of strings, got {tokens!r}",
        'tokens look like ["sho", "##es"]',
    )
    tokens, vocab = list(tokens), set(vocab)
    expected = tokenize_word(word, vocab)
    if tokens == expected:
        return True
    if expected == [UNK_TOKEN]:
        fail(
            f"{word!r} cannot be covered by the vocabulary",
            f"WordPiece then replaces the whole word by a single {UNK_TOKEN}, not just the unknown part",
        )
    require(
        UNK_TOKEN not in tokens,
        f"the vocabulary covers {word!r}, so there is no {UNK_TOKEN}",
        "at each position some entry matches, if only a single character",
    )
    require(
        all(token.startswith(CONTINUATION) for token in tokens[1:]),
        "a piece after the first one has no ## prefix",
        f"pieces that continue a word start with {CONTINUATION}: 'shoes' -> 'sho', '##es'",
    )
    spelled = "".join(token.removeprefix(CONTINUATION) for token in tokens)
    require(
        spelled == word,
        f"your pieces spell {spelled!r}, not {word!r}",
        "together the pieces must spell the word",
    )
    missing = [token for token in tokens if token not in vocab]
    require(not missing, f"{missing} not in the vocabulary", "every piece must be a vocabulary entry")
    pairs = enumerate(zip(tokens, expected, strict=False))
    first_difference = next((i for i, (mine, right) in pairs if mine != right), len(expected) - 1)
    fail(
        f"a valid split, but not the greedy one: piece {first_difference} is {tokens[first_difference]!r}",
        f"take the longest vocabulary entry that fits at each step; here {expected[first_difference]!r}",
    )


@register
def check_padding_waste(
    answer: float,
    lengths: Sequence[int],
    batch_size: int,
    strategy: str = "bucketed",
    max_length: int | None = None,
) -> bool:
    """``answer`` must be the percentage of padding for ``strategy``; ``"dynamic"`` keeps the given order."""
    require(
        isinstance(answer, int | float) and not isinstance(answer, bool),
        f"expected a number, got {answer!r}",
        "give the waste as a percentage, e.g. 37.5",
    )

    def waste(which: str) -> float:
        return padding_waste(lengths, batch_size, which, max_length=max_length, seed=None)

    expected = waste(strategy)
    if math.isclose(answer, expected, abs_tol=0.05):
        return True
    if expected and math.isclose(answer, expected / 100, abs_tol=5e-4):
        fail("that looks like a fraction", f"multiply by 100: the answer is a percentage ({answer * 100:g}?)")
    if math.isclose(answer, 100 - expected, abs_tol=0.05):
        fail("that is the share of real tokens", "the question asks for the share of padding tokens")
    others = [
        other
        for other in PADDING_STRATEGIES
        if other != strategy and math.isclose(answer, waste(other), abs_tol=0.05)
    ]
    if others:
        fail(f"that is the waste of the {others[0]!r} strategy", f"this exercise uses {strategy!r}")
    fail(
        f"{answer:g}% is not the padding waste for {strategy!r}",
        "waste = 100 × (padded − real) / padded, where padded = Σ over batches of "
        "batch size × longest sequence in the batch",
    )


@register
def check_special_tokens(answer: Mapping[str, int], tokenizer: Any = None) -> bool:
    """``answer`` maps special tokens to their ids in the MiniLM vocabulary (or in ``tokenizer``'s)."""
    expected = MINILM_SPECIAL_TOKEN_IDS if tokenizer is None else _special_token_ids(tokenizer)
    require(
        isinstance(answer, Mapping),
        f"expected a dict, got {type(answer).__name__}",
        'map each token to its id, e.g. {"[CLS]": ..., "[SEP]": ...}',
    )
    missing = [token for token in expected if token not in answer]
    require(not missing, f"missing {missing}", f"give the ids of all of {list(expected)}")
    wrong = {token: answer[token] for token in expected if answer[token] != expected[token]}
    require(
        not wrong,
        f"wrong ids: {wrong}",
        "look them up: tokenizer.convert_tokens_to_ids(['[CLS]', ...]) or tokenizer.cls_token_id",
    )
    return True


def _special_token_ids(tokenizer: Any) -> dict[str, int]:
    """The ids of the MiniLM special tokens in another ``transformers`` tokenizer."""
    tokens = list(MINILM_SPECIAL_TOKEN_IDS)
    return dict(zip(tokens, tokenizer.convert_tokens_to_ids(tokens), strict=True))


# ---------------------------------------------------------------------------------------------------------
# Data (notebook 00b)
# ---------------------------------------------------------------------------------------------------------


@register
def check_conversion_by_group(answer: Any, sessions: Any, column: str) -> bool:
    """``answer`` is the purchase rate of ``sessions`` per value of ``column`` (a Series or dict)."""
    expected = sessions.groupby(column)["purchased"].mean()
    require(
        hasattr(answer, "items"),
        f"expected a pandas Series or dict, got {type(answer).__name__}",
        f'group the sessions by {column!r} and average "purchased"',
    )
    answer = dict(answer.items())
    missing = sorted(set(expected.index) - set(answer))
    require(not missing, f"no rate for {missing}", f"include every value of {column!r}")
    counts = sessions.groupby(column).size()
    if all(math.isclose(float(answer[k]), float(counts[k])) for k in expected.index):
        fail("those are session counts, not rates", 'take the mean of the boolean "purchased" column')
    wrong = [
        k for k in expected.index if not math.isclose(float(answer[k]), float(expected[k]), abs_tol=1e-6)
    ]
    require(not wrong, f"wrong rate for {wrong}", 'rate = purchases / sessions, i.e. .mean() of "purchased"')
    return True


# ---------------------------------------------------------------------------------------------------------
# The predictor (notebook 03)
# ---------------------------------------------------------------------------------------------------------


@register
def check_pos_weight(answer: Any, labels: Sequence[int]) -> bool:
    """``answer`` is the ``pos_weight`` for BCEWithLogitsLoss: negatives / positives in ``labels``."""
    labels = [int(bool(label)) for label in labels]
    positives = sum(labels)
    negatives = len(labels) - positives
    value = float(as_tensor(answer, "pos_weight").reshape(-1)[0])
    if math.isclose(value, positives / negatives, rel_tol=1e-3):
        fail("that is positives / negatives, upside down", "positives are rare, so their weight is > 1")
    if math.isclose(value, positives / len(labels), rel_tol=1e-3):
        fail("that is the share of positives", "divide the number of negatives by the number of positives")
    require(
        math.isclose(value, negatives / positives, rel_tol=1e-3),
        f"{value:g} is not the pos_weight for {positives} positives and {negatives} negatives",
        "pos_weight = number of negative examples / number of positive examples",
    )
    return True


@register
def check_bce_loss(answer: Any, logits: Any, labels: Any, pos_weight: float) -> bool:
    """``answer`` is the mean weighted binary cross-entropy of ``logits`` for ``labels``."""
    logits, labels = as_tensor(logits, "logits"), as_tensor(labels, "labels").double()
    value = float(as_tensor(answer, "loss").reshape(-1)[0])
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    expected = bce(logits, labels, pos_weight=torch.tensor(pos_weight, dtype=torch.float64)).item()
    if math.isclose(value, bce(logits, labels).item(), rel_tol=1e-4) and not math.isclose(value, expected):
        fail("that is the loss without pos_weight", "multiply the positive examples' term by pos_weight")
    if math.isclose(value, bce(torch.sigmoid(logits), labels).item(), rel_tol=1e-4):
        fail("the sigmoid was applied twice", "BCE *with logits* takes the raw scores, not probabilities")
    require(
        math.isclose(value, expected, rel_tol=1e-4),
        f"{value:.5f} is not the expected loss",
        "loss = mean(-(pos_weight · y · log σ(z) + (1 - y) · log(1 - σ(z))))",
    )
    return True


# ---------------------------------------------------------------------------------------------------------
# Training (notebook 04)
# ---------------------------------------------------------------------------------------------------------


@register
def check_grad_accumulation(answer: Any, micro_batch: int, processes: int, effective_batch: int) -> bool:
    """``answer`` micro-batches per step give ``effective_batch`` = micro_batch × processes × answer."""
    require(
        isinstance(answer, int) and not isinstance(answer, bool),
        f"expected a whole number, got {answer!r}",
        "you cannot accumulate a fraction of a micro-batch",
    )
    if answer == effective_batch // micro_batch:
        fail("that ignores the other processes", "every process adds its own micro-batches to each step")
    require(
        answer * micro_batch * processes == effective_batch,
        f"{answer} × {micro_batch} × {processes} = {answer * micro_batch * processes}, not {effective_batch}",
        "effective batch = micro-batch × processes × grad_accumulation",
    )
    return True


@register
def check_learning_rate(answer: Any, step: int, total_steps: int, warmup_ratio: float, peak: float) -> bool:
    """``answer`` is the linear-warmup, linear-decay learning rate at ``step``."""
    from helpers.training import linear_warmup_decay

    warmup = round(warmup_ratio * total_steps)
    expected = peak * linear_warmup_decay(step, warmup, total_steps)
    value = float(answer)
    if math.isclose(value, peak * (total_steps - step) / total_steps, rel_tol=1e-6):
        fail("the decay starts after the warmup, not at step 0", "decay over the steps from t_w to T")
    require(
        math.isclose(value, expected, rel_tol=1e-6),
        f"{value:g} is not the learning rate at step {step}",
        "after warmup: peak × (T − t) / (T − t_w)",
    )
    return True
