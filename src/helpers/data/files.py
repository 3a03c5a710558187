"""Reading and checking data files: the machinery every loader in :mod:`helpers.data` shares.

* :func:`data_path` checks a path parameter and finds the file; :func:`check_encoding` an encoding.
* :func:`read_text` decodes a file and names the line of undecodable bytes or NUL characters.
* :func:`read_delimited` reads a CSV or TSV file with a header into a frame of strings and a :class:`Source`.
* :class:`Source` remembers the line of each data row and checks and converts columns (whole numbers,
  finite numbers, values from a fixed set), raising one :class:`~helpers.errors.DataError` that names
  the file, the line and the column of the first bad value.
* :func:`json_records` reads JSON Lines, or one JSON array of objects, record by record with line numbers.
* :func:`require_columns` checks a frame has the columns a loader needs.
* :func:`plural` and :func:`short_number` write numbers for the texts the loaders make.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.errors import DataError, DataFileNotFoundError, ParameterError
from helpers.params import check_path, check_str, quote, shorten

# The first bytes of files that are not text: a hint beats "not valid utf-8 at byte 1".
_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive or an Excel workbook",
    b"\x1f\x8b": "a gzip-compressed file",
    b"BZh": "a bzip2-compressed file",
    b"\xfd7zXZ": "an xz-compressed file",
    b"PAR1": "a Parquet file",
}


def data_path(value: Any, parameter: str = "path") -> Path:
    """The data file that the parameter ``parameter`` names; relative paths start at the repository root.

    A value that is not a path raises :class:`~helpers.errors.ParameterError`, a missing file
    :class:`~helpers.errors.DataFileNotFoundError` (a ``DataError`` and a ``FileNotFoundError``).
    """
    path = check_path(parameter, value, must_exist=False)
    if path.is_dir():
        raise DataError(f"{path}: is a folder; parameter {parameter!r} needs a data file")
    if not path.is_file():
        raise DataFileNotFoundError(f"no data file at {path} (parameter {parameter!r})")
    return path


def check_encoding(encoding: Any, parameter: str = "encoding") -> str:
    """``encoding`` if Python knows it as a text encoding (``"utf-8"``, ``"latin-1"``, ``"cp1252"``, ...)."""
    check_str(parameter, encoding)
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        info = None
    # codecs also holds bytes-to-bytes and str-to-str transforms ("base64", "rot13"); they decode no file.
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise ParameterError(
            f"parameter {parameter!r} is {quote(encoding)}, not a text encoding Python knows; "
            "use for example 'utf-8', 'utf-8-sig', 'latin-1' or 'cp1252'"
        )
    return info.name


def read_text(path: Path, encoding: str = "utf-8") -> str:
    """The file's text (a UTF-8 BOM is dropped); undecodable bytes or NUL characters raise naming the line."""
    codec = check_encoding(encoding)
    if not path.is_file():
        raise DataFileNotFoundError(f"no data file at {path}")
    data = path.read_bytes()
    if not data.strip():
        raise DataError(f"{path}: the file is empty")
    for signature, kind in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise DataError(f"{path}: this is {kind}, not a text file; unpack or export it as text first")
    if not codec.startswith(("utf-16", "utf-32")) and data.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        raise DataError(f"{path}: the file starts with a UTF-16 byte-order mark; save it as {encoding}")
    try:
        text = data.decode("utf-8-sig" if codec == "utf-8" else encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DataError(
            f"{path}, line {line}: bytes {data[error.start : error.end]!r} are not valid {encoding} "
            f"(byte offset {error.start}); save the file as {encoding}"
        ) from None
    nul = text.find("\0")
    if nul >= 0:
        raise DataError(
            f"{path}, line {text.count(chr(10), 0, nul) + 1}: a NUL character; a binary file, or a text "
            f"file in another encoding than {encoding}?"
        )
    return text


@dataclass(frozen=True)
class Source:
    """A file and the 1-based line number of each of its data rows, for error messages."""

    path: Path
    lines: np.ndarray

    def error(self, problem: str, *, row: int | None = None, column: str | None = None) -> DataError:
        """A :class:`DataError` naming the file and, when given, the line of row ``row`` and the column."""
        where = str(self.path)
        if row is not None:
            where += f", line {self.lines[row]}"
        if column is not None:
            where += f", column {quote(column, 60)}"
        return DataError(f"{where}: {problem}")

    def check(self, bad: Any, values: pd.Series, column: str, problem: str) -> None:
        """Raise for the first row where ``bad`` is true, showing its value and how many more rows fail."""
        positions = np.flatnonzero(np.asarray(bad, dtype=bool))
        if positions.size:
            first = int(positions[0])
            more = f" ({positions.size - 1} more rows like this)" if positions.size > 1 else ""
            raise self.error(f"{problem}, got {quote(values.iloc[first])}{more}", row=first, column=column)

    def ints(
        self, values: pd.Series, column: str, minimum: int | None = None, maximum: int | None = None
    ) -> pd.Series:
        """Whole numbers written as digits, within [minimum, maximum]."""
        text = values.astype(str).str.strip()
        self.check(text == "", values, column, "empty value, expected a whole number")
        # [0-9], not \d: \d also matches other scripts' digits ("٣"), which int64 cannot parse.
        self.check(~text.str.fullmatch(r"[+-]?[0-9]+"), values, column, "expected a whole number")
        # int64 holds every number of up to 18 digits; longer ones would overflow the conversion.
        digits = text.str.lstrip("+-").str.lstrip("0").str.len()
        self.check(digits > 18, values, column, "whole number too large (more than 18 digits)")
        numbers = pd.Series(text.astype("int64").to_numpy(), index=values.index)
        self._range(numbers, values, column, minimum, maximum)
        return numbers

    def floats(
        self, values: pd.Series, column: str, minimum: float | None = None, maximum: float | None = None
    ) -> pd.Series:
        """Finite numbers within [minimum, maximum]."""
        if values.dtype == object:
            self.check(
                values.map(lambda v: isinstance(v, bool) or v is None), values, column, "expected a number"
            )
        text = values.astype(str).str.strip()
        self.check(text == "", values, column, "empty value, expected a number")
        numbers = pd.to_numeric(text, errors="coerce").astype("float64")
        self.check(~np.isfinite(numbers.to_numpy()), values, column, "expected a finite number")
        self._range(numbers, values, column, minimum, maximum)
        return numbers

    def _range(self, numbers: pd.Series, values: pd.Series, column: str, minimum: Any, maximum: Any) -> None:
        """Raise for the first of ``numbers`` below ``minimum`` or above ``maximum`` (``None``: no bound)."""
        if minimum is not None:
            self.check(numbers < minimum, values, column, f"value must be >= {minimum}")
        if maximum is not None:
            self.check(numbers > maximum, values, column, f"value must be <= {maximum}")

    def choice(self, values: pd.Series, column: str, allowed: Mapping[str, Any]) -> pd.Series:
        """Map each value through ``allowed``; a value not in it raises, listing the allowed values."""
        text = values.astype(str).str.strip()
        known = ", ".join(dict.fromkeys(map(str, allowed)))
        self.check(~text.isin(list(allowed)), values, column, f"unknown value (allowed: {known})")
        return text.map(allowed)


def read_delimited(path: Path, delimiter: str, encoding: str = "utf-8") -> tuple[pd.DataFrame, Source]:
    """A CSV/TSV file with a header row as a frame of strings; quoting as in ``pd.read_csv`` defaults.

    Unlike ``pd.read_csv`` it keeps every cell as written (``"None"`` and ``"NA"`` stay text), knows the
    line each row starts on, and refuses rows with too few or too many fields instead of padding them.
    """
    reader = csv.reader(io.StringIO(read_text(path, encoding), newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for fields in reader:
            if fields and not (len(fields) == 1 and not fields[0].strip()):  # skip blank lines
                if header is None:
                    header = _check_header(fields, delimiter, path, start)
                elif len(fields) != len(header):
                    hint = (
                        "; a field spans lines: unbalanced quote?" if any("\n" in f for f in fields) else ""
                    )
                    raise DataError(
                        f"{path}, line {start}: ragged row with {len(fields)} fields, the header has "
                        f"{len(header)} ({shorten(', '.join(header), 120)}){hint}"
                    )
                else:
                    _check_spanning_fields(fields, header, delimiter, path, start)
                    rows.append(fields)
                    lines.append(start)
            start = reader.line_num + 1
    except csv.Error as error:
        raise DataError(f"{path}, line {reader.line_num}: cannot parse the row: {error}") from None
    if header is None:
        raise DataError(f"{path}: the file is empty")
    if not rows:
        raise DataError(f"{path}: the file has a header but no data rows")
    frame = pd.DataFrame(rows, columns=header, dtype=str)
    return frame, Source(path, np.asarray(lines))


_DELIMITER_NAMES = {",": "a comma", "\t": "a tab", ";": "a semicolon", "|": "a vertical bar"}


def _check_header(fields: list[str], delimiter: str, path: Path, line: int) -> list[str]:
    """The column names of a header row; a repeated name, or a header split by another delimiter, raises.

    A TSV file read as CSV (or the reverse) gives a one-column header holding the real delimiter; saying
    so beats the "ragged row" or "missing column" that would follow.
    """
    header = [name.strip() for name in fields]
    if len(header) == 1:
        for other, other_name in _DELIMITER_NAMES.items():
            if other != delimiter and other in header[0]:
                raise DataError(
                    f"{path}, line {line}: the header {quote(header[0], 80)} is not split by "
                    f"{_DELIMITER_NAMES.get(delimiter, repr(delimiter))}; "
                    f"the delimiter looks like {other_name}"
                    + (" (a TSV file read as CSV?)" if other == "\t" else "")
                )
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise DataError(f"{path}, line {line}: the header repeats column(s) {shorten(str(duplicated), 120)}")
    return header


def _check_spanning_fields(
    fields: list[str], header: list[str], delimiter: str, path: Path, line: int
) -> None:
    """In a TSV, a field holding both a tab and a line break is rows swallowed after an unbalanced quote."""
    if delimiter != "\t":
        return
    for name, field in zip(header, fields, strict=True):
        if "\t" in field and ("\n" in field or "\r" in field):
            raise DataError(
                f"{path}, line {line}, column {name!r}: the field runs over several lines and holds tabs; "
                f"an unbalanced double quote? It starts {field[:40]!r}"
            )


_JSON = json.JSONDecoder()
_SPACE = re.compile(r"\s*")


def _decode(path: Path, number: int, text: str, start: int = 0) -> tuple[dict[str, Any], int]:
    """The JSON object at ``text[start:]`` and the offset after it; errors name line ``number``."""
    try:
        record, end = _JSON.raw_decode(text, start)
    except json.JSONDecodeError as error:
        raise DataError(
            f"{path}, line {number}: invalid JSON ({error.msg} at character {error.pos})"
        ) from None
    except RecursionError:  # "[[[[..." thousands deep: no data record looks like that
        raise DataError(f"{path}, line {number}: JSON nested too deeply to be a data record") from None
    if not isinstance(record, dict):
        raise DataError(f"{path}, line {number}: expected a JSON object, got {type(record).__name__}")
    return record, end


def _json_array_records(path: Path, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each object of a file holding one JSON array (``[{...}, {...}]``), with the line it starts on."""
    position, line, counted = text.index("[") + 1, 1, 0
    while True:
        start = _SPACE.match(text, position).end()
        line, counted = line + text.count("\n", counted, start), start
        if text.startswith("]", start):
            return
        record, end = _decode(path, line, text, start)
        yield line, record
        position = _SPACE.match(text, end).end()
        if text.startswith("]", position):
            return
        if not text.startswith(",", position):
            line += text.count("\n", counted, position)
            raise DataError(f"{path}, line {line}: invalid JSON (expected ',' or ']' after a record)")
        position += 1


def json_records(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each record with its line number, checked as it is read: JSON Lines, or one JSON array of objects."""
    text = read_text(path, encoding)
    if text.lstrip().startswith("["):
        yield from _json_array_records(path, text)
        return
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        record, end = _decode(path, number, line)
        if end != len(line):
            raise DataError(f"{path}, line {number}: invalid JSON (Extra data at character {end})")
        yield number, record


def require_columns(frame: pd.DataFrame, columns: list[str], path: Path) -> None:
    """Raise naming the columns of ``columns`` that ``frame`` (read from ``path``) lacks, and those it has."""
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise DataError(
            f"{path}: missing column(s) {shorten(', '.join(map(repr, missing)))}; "
            f"the file has {shorten(', '.join(map(repr, frame.columns)))}"
        )


def plural(count: float, word: str, digits: int = 0) -> str:
    """``count`` and ``word``, in the plural unless the count shows as 1 ("1 CD", "2 CDs", "0 seconds")."""
    text = f"{count:,.{digits}f}"
    return f"{text} {word}" if text == "1" else f"{text} {word}s"


def short_number(value: float, digits: int) -> str:
    """``value`` with at most ``digits`` decimals and no trailing zeros (12.30 -> "12.3")."""
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
