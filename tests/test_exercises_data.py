"""The data checker (notebook 00b) accepts the purchase rate per group and rejects the usual mistakes."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.errors import ExerciseError
from helpers.exercises.data import check_conversion_by_group


def test_conversion_by_group_checker() -> None:
    sessions = pd.DataFrame(
        {"kind": ["a", "a", "b", "b", "b"], "purchased": [True, False, False, False, True]}
    )
    assert check_conversion_by_group(sessions.groupby("kind")["purchased"].mean(), sessions, "kind")
    with pytest.raises(ExerciseError, match="counts"):
        check_conversion_by_group(sessions.groupby("kind").size(), sessions, "kind")
    with pytest.raises(ExerciseError, match="no rate"):
        check_conversion_by_group({"a": 0.5}, sessions, "kind")
    with pytest.raises(ExerciseError, match="wrong rate"):
        check_conversion_by_group({"a": 0.5, "b": 0.5}, sessions, "kind")
