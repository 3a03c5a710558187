"""Validation of notebook parameters: one clear error naming the parameter and what is allowed."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from helpers.errors import ParameterError
from helpers.paths import resolve_path


def check_choice(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise naming the allowed values."""
    allowed = list(allowed)
    if value not in allowed:
        raise ParameterError(
            f"parameter {name!r} is {value!r}; allowed values: {', '.join(map(repr, allowed))}"
        )
    return value


def check_int(name: str, value: Any, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` if it is an int within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"parameter {name!r} must be an integer, got {value!r} ({type(value).__name__})")
    _check_range(name, value, minimum, maximum)
    return value


def check_float(name: str, value: Any, minimum: float | None = None, maximum: float | None = None) -> float:
    """Return ``value`` as float if it is a real number within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterError(f"parameter {name!r} must be a number, got {value!r} ({type(value).__name__})")
    _check_range(name, value, minimum, maximum)
    return float(value)


def check_str(name: str, value: Any) -> str:
    """Return ``value`` if it is a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"parameter {name!r} must be a non-empty string, got {value!r}")
    return value


def check_path(name: str, value: Any, must_exist: bool = True) -> Path:
    """Resolve a path parameter (relative to the repository root) and optionally require it to exist."""
    path = resolve_path(check_str(name, str(value) if isinstance(value, Path) else value))
    if must_exist and not path.exists():
        raise ParameterError(f"parameter {name!r}: no file or folder at {path}")
    return path


def _check_range(name: str, value: float, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and value < minimum:
        raise ParameterError(f"parameter {name!r} is {value!r}; it must be >= {minimum}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"parameter {name!r} is {value!r}; it must be <= {maximum}")
