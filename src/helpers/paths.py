"""Where the workbook keeps things: repository root, data cache, reports and model cache.

Every location can be moved with an environment variable, so an analyst can run the
notebooks from anywhere (papermill, CI, a read-only checkout).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import platformdirs

from helpers.errors import ParameterError

APP_NAME = "ecommerce-transformers-workbook"


def repo_root() -> Path:
    """The checkout that holds ``src/helpers`` (falls back to the working directory)."""
    candidate = Path(__file__).resolve().parents[2]
    if (candidate / "pyproject.toml").exists():
        return candidate
    return Path.cwd()


def _dir_from_env(variable: str, default: Path) -> Path:
    """The folder named by the environment variable ``variable`` (else ``default``), created if needed."""
    path = Path(os.environ.get(variable) or default).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a file of that name, no permission, a read-only disk
        raise ParameterError(
            f"{variable}={str(path)[:200]!r} cannot be used as a folder: {error.strerror or error}"
        ) from None
    return path


def data_dir() -> Path:
    """Cache for generated data (``WORKBOOK_DATA_DIR``, default ``<repo>/data/cache``)."""
    return _dir_from_env("WORKBOOK_DATA_DIR", repo_root() / "data" / "cache")


def reports_dir() -> Path:
    """Executed notebooks, HTML and metrics (``WORKBOOK_REPORTS_DIR``, default ``<repo>/reports``)."""
    return _dir_from_env("WORKBOOK_REPORTS_DIR", repo_root() / "reports")


@contextmanager
def reports_dir_set_to(folder: Path) -> Iterator[Path]:
    """Point :func:`reports_dir` (and the kernels started inside, which inherit the environment) at
    ``folder`` for the ``with`` block, then put ``WORKBOOK_REPORTS_DIR`` back as it was."""
    previous = os.environ.get("WORKBOOK_REPORTS_DIR")
    os.environ["WORKBOOK_REPORTS_DIR"] = str(folder)
    try:
        yield folder
    finally:
        if previous is None:
            os.environ.pop("WORKBOOK_REPORTS_DIR", None)
        else:
            os.environ["WORKBOOK_REPORTS_DIR"] = previous


@contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", durable: bool = False) -> Iterator[IO]:
    """Write ``path`` whole or not at all: the ``with`` block writes a temporary file beside it, which
    then replaces ``path`` in one rename. If the block raises, ``path`` is untouched and the temporary
    file is removed; if the process is killed, ``path`` is untouched too, and a hidden
    ``.NAME.*.tmp`` may stay behind. ``mode`` is ``"w"`` or ``"wb"``; ``durable`` also flushes the file
    and then the folder to disk (a checkpoint that must survive a power cut). The folder is made when
    missing. The file is readable by its owner only (``tempfile.mkstemp``'s mode 0600), as fits
    checkpoints, metrics and customer lists.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, mode) as file:
            yield file
            if durable:
                file.flush()
                os.fsync(file.fileno())
        os.replace(staging, path)
        if durable:  # the rename itself is an entry of the folder
            folder = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise


def model_cache_dir() -> Path:
    """Converted models (``WORKBOOK_MODEL_CACHE``, default the user cache directory)."""
    return _dir_from_env("WORKBOOK_MODEL_CACHE", Path(platformdirs.user_cache_dir(APP_NAME)) / "models")


def resolve_path(path: str | os.PathLike[str]) -> Path:
    """Resolve a user path; relative paths are taken from the repository root, not the notebook folder."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else (repo_root() / path).resolve()
