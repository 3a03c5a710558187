"""Shared fixtures: an isolated reports/cache folder per test session."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_reports(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBOOK_REPORTS_DIR", str(tmp_path_factory.getbasetemp() / "reports"))
