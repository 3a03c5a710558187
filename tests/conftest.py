"""Shared fixtures: an isolated reports/cache folder per test session, and the shared real data."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers.paths import repo_root


@pytest.fixture(autouse=True)
def _isolated_reports(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBOOK_REPORTS_DIR", str(tmp_path_factory.getbasetemp() / "reports"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout; tests that need it skip when it is absent."""
    folder = repo_root().parent / "shared" / "data"
    if not folder.is_dir():
        pytest.skip(f"shared real data not found at {folder} (it exists in CI); skipping real-data checks")
    return folder
