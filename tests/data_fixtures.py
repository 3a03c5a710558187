"""Shared by the tests of :mod:`helpers.data`: the small fixture files in the real formats, the real files
under ``../shared/data``, and the check that a malformed file raises one DataError naming it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from helpers.errors import DataError
from helpers.paths import repo_root

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_DATA = repo_root().parent / "shared" / "data"
WEEK = 7.0


def fixture_text(name: str) -> str:
    """The text of a file under ``tests/fixtures`` (line endings kept as written)."""
    return (FIXTURES / name).read_bytes().decode("utf-8")


def shared_file(relative: str) -> Path:
    """A file under ``../shared/data``, or skip the test with the reason."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"no shared data folder at {SHARED_DATA}; the real-data checks need it")
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"real data file {path} is not there")
    return path


def check_data_error(
    tmp_path: Path, load: Callable[[Path], object], name: str, content: str, expected: list[str]
) -> None:
    """Write ``content`` to ``name``; ``load`` must raise a DataError naming the file and ``expected``."""
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8", errors="surrogateescape"))
    with pytest.raises(DataError) as caught:
        load(path)
    message = str(caught.value)
    assert name in message, message
    for words in expected:
        assert words in message, message
