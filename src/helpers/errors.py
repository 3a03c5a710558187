"""Every exception the workbook raises on purpose, in one place.

Each is a subclass of a built-in error (``ValueError``, ``OSError``, ``AssertionError``), so code
that catches the built-in keeps working, and each message says what was wrong and what to do.
"""

from __future__ import annotations


class ParameterError(ValueError):
    """A notebook parameter has a value the workbook cannot use."""


class DataError(ValueError):
    """A data file the workbook cannot use; the message names the file, and the line and column when known."""


class ModelNotFoundError(OSError):
    """A model name or path that the workbook cannot load."""


class NetworkBlockedError(OSError):
    """Raised when code tries to reach a non-loopback address while the workbook is offline."""


class ExerciseError(AssertionError):
    """A wrong answer to a notebook exercise; the message says what is wrong and how to fix it."""


class DataFileNotFoundError(DataError, FileNotFoundError):
    """A data file that is not there: a ``DataError`` like every loader error, and a ``FileNotFoundError``."""
