"""Validation of notebook parameters: one clear error naming the parameter and what is allowed.

Messages quote the bad value through :func:`quote`, which cuts it to a readable length: a 50 MB value
would otherwise make a 50 MB message, and Jupyter freezes printing it.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import reprlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from helpers.errors import ParameterError
from helpers.paths import resolve_path

# A name that becomes part of a file name: ASCII letters, digits, "_", "-" and "."; it starts with a
# letter, digit or "_", so it is never "..", a hidden file or an option.
PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
MAX_NAME_LENGTH = 100


def quote(value: Any, limit: int = 80) -> str:
    """``repr(value)``, cut in the middle to about ``limit`` characters (``'abc...xyz'``)."""
    shortener = reprlib.Repr()
    shortener.maxstring = shortener.maxother = shortener.maxlong = limit
    shortener.maxlist = shortener.maxtuple = shortener.maxdict = shortener.maxset = 6
    text = shortener.repr(value)
    # reprlib leaves the reprs of other types (numpy arrays, frames) as long as they are.
    return text if len(text) <= limit + 10 else text[: limit // 2] + "..." + text[-(limit // 2) :]


def shorten(text: str, limit: int = 150) -> str:
    """``text`` cut to ``limit`` characters, ending in ``"..."`` when it was longer."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _kind(value: Any) -> str:
    return type(value).__name__


def check_choice(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise naming the allowed values."""
    allowed = list(allowed)
    try:
        # True == 1 in Python; a bool is only ever the same as a bool here.
        known = any(
            isinstance(value, bool) == isinstance(option, bool) and bool(value == option)
            for option in allowed
        )
    except (TypeError, ValueError):  # arrays and other values without a plain truth value
        known = False
    if not known:
        raise ParameterError(
            f"parameter {name!r} is {quote(value)}; allowed values: {', '.join(map(repr, allowed))}"
        )
    return value


def check_int(name: str, value: Any, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as an int if it is a whole number (Python or NumPy) within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError(f"parameter {name!r} must be an integer, got {quote(value)} ({_kind(value)})")
    value = int(value)
    _check_range(name, value, minimum, maximum)
    return value


def check_float(name: str, value: Any, minimum: float | None = None, maximum: float | None = None) -> float:
    """Return ``value`` as float if it is a finite real number (Python or NumPy) within [minimum, maximum]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParameterError(f"parameter {name!r} must be a number, got {quote(value)} ({_kind(value)})")
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range
        number = math.inf
    if not math.isfinite(number):
        raise ParameterError(f"parameter {name!r} must be a finite number, got {quote(value)}")
    _check_range(name, number, minimum, maximum)
    return number


def check_str(name: str, value: Any) -> str:
    """Return ``value`` if it is a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"parameter {name!r} must be a non-empty string, got {quote(value)}")
    return value


def check_name(name: str, value: Any) -> str:
    """Return ``value`` if it is a plain name that can become part of a file name.

    Plain: ASCII letters, digits, ``_``, ``-`` and ``.``, starting with a letter, digit or ``_``, at most
    :data:`MAX_NAME_LENGTH` characters. No ``/``, ``\\``, ``..`` or NUL, so the name never reaches outside
    its folder; the check runs before any file is touched.
    """
    check_str(name, value)
    if len(value) > MAX_NAME_LENGTH or not PLAIN_NAME.fullmatch(value):
        raise ParameterError(
            f"parameter {name!r} is {quote(value)}; it must be a plain name of at most {MAX_NAME_LENGTH} "
            "letters, digits, '_', '-' and '.', starting with a letter, digit or '_' (it becomes a file name)"
        )
    return value


def check_path(name: str, value: Any, must_exist: bool = True) -> Path:
    """Resolve a path parameter (relative to the repository root) and optionally require it to exist."""
    if isinstance(value, os.PathLike) and not isinstance(value, Path):
        value = os.fspath(value)
    text = check_str(name, str(value) if isinstance(value, Path) else value)
    if "\0" in text:
        raise ParameterError(f"parameter {name!r} is {quote(text)}; a path cannot hold a NUL byte")
    try:
        path = resolve_path(text)
    except (RuntimeError, OSError) as error:  # "~nouser/x": no such home folder; a name too long
        raise ParameterError(f"parameter {name!r}: cannot resolve the path {quote(text)}: {error}") from None
    if must_exist and not path.exists():
        raise ParameterError(f"parameter {name!r}: no file or folder at {quote(str(path), 200)}")
    return path


def _check_range(name: str, value: float, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and value < minimum:
        raise ParameterError(f"parameter {name!r} is {quote(value)}; it must be >= {minimum}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"parameter {name!r} is {quote(value)}; it must be <= {maximum}")
