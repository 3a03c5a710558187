"""Errors shared by the workbook helpers."""

from __future__ import annotations


class DataError(ValueError):
    """A data file the workbook cannot use; the message names the file, and the line and column when known."""
