"""The checkers of notebook 06 accept right answers and explain wrong ones."""

from __future__ import annotations

import pytest

from helpers.copy_validation import ProductFacts, check_copy
from helpers.errors import ExerciseError
from helpers.exercises.copywriting import check_faithful_copy, check_unsupported_kinds

EARBUDS = ProductFacts(
    "Apple Air 876 Wireless Earbuds", "Apple", 106.99, 3.8, "silver", {"battery_hours": 10}
)


def test_faithful_copy() -> None:
    right = "The Apple Air 876 Wireless Earbuds play for 10 hours. Yours for $106.99."
    assert check_faithful_copy(right, EARBUDS)
    for wrong, message in [
        ("The Air 876 plays for 10 hours and costs $106.99.", "sentence"),
        ("The Air 876 plays for 12 hours. Yours for $106.99.", "rejects"),
        ("The Air 876 sounds lovely. Yours for $106.99.", "does not state its battery"),
        ("The Air 876 plays for 10 hours. Treat yourself.", "price"),
        ("Guaranteed joy. The Air 876 plays 10 hours for $106.99.", "rejects"),
    ]:
        with pytest.raises(ExerciseError, match=message):
            check_faithful_copy(wrong, EARBUDS)


def test_unsupported_kinds() -> None:
    copy = "Only $99.99 and free shipping: 10 hours of battery."
    assert check_unsupported_kinds({"price", "offer"}, copy, EARBUDS)
    with pytest.raises(ExerciseError, match="missed 1"):
        check_unsupported_kinds({"price"}, copy, EARBUDS)
    with pytest.raises(ExerciseError, match="accepts"):
        check_unsupported_kinds({"price", "offer", "quantity"}, copy, EARBUDS)
    with pytest.raises(ExerciseError, match="set of kinds"):
        check_unsupported_kinds("price", copy, EARBUDS)


def test_faithful_copy_refuses_the_workbooks_house_style() -> None:
    from helpers.copy_tuning import house_style_copy

    house = house_style_copy(EARBUDS)
    assert not check_copy(house, EARBUDS).unsupported  # the validator alone would let it through
    for copied in (house, "  " + house.replace(". ", ".\n")):  # however it is spaced
        with pytest.raises(ExerciseError, match="house_style_copy"):
            check_faithful_copy(copied, EARBUDS)
    # the same facts in words of one's own still pass
    assert check_faithful_copy(
        "Meet the Apple Air 876 Wireless Earbuds: 10 hours of battery. Now $106.99.", EARBUDS
    )
