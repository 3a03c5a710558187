"""The building blocks of an exercise checker: reject an answer with a hint, compare tensors, call code.

A checker is a function decorated with :func:`checker` that returns ``True`` or calls :func:`fail`
(or :func:`require`), which raises :class:`~helpers.errors.ExerciseError` with a hint.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import torch

from helpers.errors import ExerciseError


def checker(check: Callable[..., bool]) -> Callable[..., bool]:
    """Decorator for a checker: skip an unanswered exercise and say so when the answer is right.

    An answer still left as ``...`` (how exercise cells are handed out) is not judged: the checker
    prints a reminder and returns ``False``, so a notebook with open exercises still runs end to end.
    """

    @functools.wraps(check)
    def checked(answer: Any = ..., *args: Any, **kwargs: Any) -> bool:
        if answer is ...:
            print(f"{check.__name__}: not answered yet; replace the ... with your answer and rerun the cell")
            return False
        result = check(answer, *args, **kwargs)
        print(f"{check.__name__}: correct!")
        return result

    return checked


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


def refuse_workbook_code(
    answer: Any, *workbook_functions: Callable[..., Any], methods: Sequence[str] = ()
) -> None:
    """Reject an answer that *is* one of the workbook's own functions, or that calls one by name
    (``lambda n: causal_mask(n)``), or calls a method named in ``methods`` (``lambda w, v:
    tokenizer.tokenize(w)``): imported, not written."""
    if any(answer is function for function in workbook_functions):
        used = {answer.__name__}
    else:
        names = {function.__name__ for function in workbook_functions} | set(methods)
        used = names & _names_called(getattr(answer, "__code__", None))
    if used:
        fail(
            f"that is the workbook's own {min(used)}, not your code",
            "write the function yourself; the point is to see how it works",
        )


def _names_called(code: Any) -> set[str]:
    """Every global or attribute name a code object and the functions defined in it refer to."""
    if code is None:
        return set()
    nested = [const for const in code.co_consts if hasattr(const, "co_names")]
    names = set(code.co_names) | set(code.co_freevars)  # globals, attributes, enclosing-scope names
    return names.union(*(_names_called(inner) for inner in nested))


def call_learner(fn: Callable[..., Any], *args: Any, hint: str = "") -> Any:
    """Call the learner's function, turning a crash into a message that shows the inputs' shapes."""
    try:
        return fn(*args)
    except Exception as error:  # any error in learner code becomes feedback
        shapes = ", ".join(str(tuple(arg.shape)) if hasattr(arg, "shape") else repr(arg) for arg in args)
        fail(
            f"your function raised {type(error).__name__}: {error}",
            f"it was called with inputs {shapes}" + (f"; {hint}" if hint else ""),
        )


def as_number(answer: Any, what: str) -> float:
    """The answer as one float (a NumPy scalar or a one-element array or tensor is accepted too)."""
    import numpy as np

    if answer is None:
        fail(f"{what} should be a number, got None", "compute it, and give the value (not a print of it)")
    if isinstance(answer, str | bytes):
        fail(f"{what} should be a number, got the text {answer!r}", "compute it as a float, not a string")
    try:
        values = np.asarray(answer, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        fail(f"{what} should be a number, got {type(answer).__name__}", "compute it as a float")
    require(
        values.size == 1,
        f"{what} should be one number, got {values.size} of them",
        "answer with a single value (e.g. float(...) or .item())",
    )
    return float(values[0])


def is_whole_number(answer: Any) -> bool:
    """An int, or a NumPy integer (``np.int64`` from a computation), but not a bool."""
    return isinstance(answer, numbers.Integral) and not isinstance(answer, bool)
