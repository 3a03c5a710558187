"""Checks applied to every notebook cell that ``make test`` runs with nbval.

A cell may write progress bars to stderr, nothing else: a warning or a library's log line there is
noise a learner should never see (see :mod:`helpers.notebook_outputs`).
"""

from __future__ import annotations

import pytest

from helpers.notebook_outputs import stray_stderr


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    result = yield
    stray = stray_stderr(getattr(item, "test_outputs", None) or [])
    if stray:
        pytest.fail(
            f"the cell wrote to stderr something that is not a progress bar: {stray[0][:500]}", pytrace=False
        )
    return result
