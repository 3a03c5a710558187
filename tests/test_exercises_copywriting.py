"""The checkers of notebook 06 accept right answers and explain wrong ones."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from helpers.copy_validation import ProductFacts, check_copy
from helpers.errors import ExerciseError
from helpers.exercises.copywriting import (
    CLAIM_KINDS,
    check_faithful_copy,
    check_fixed_copy,
    check_unsupported_kinds,
)

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
    # case, plurals, "claims", underscores: the kind is what counts, not how it is spelled
    assert check_unsupported_kinds({"Prices", "OFFERS"}, copy, EARBUDS)
    assert check_unsupported_kinds(["price claims", "offer", "offer"], copy, EARBUDS)
    wrong_type = "The Apple Air 876 Wireless Earbuds are a smartwatch."
    assert check_unsupported_kinds({"product_types"}, wrong_type, EARBUDS)
    assert check_unsupported_kinds({"quantities"}, "Up to 48 hours of battery.", EARBUDS)
    assert check_unsupported_kinds(set(), "10 hours of battery for $106.99.", EARBUDS)  # nothing rejected
    with pytest.raises(ExerciseError, match="missed 1"):
        check_unsupported_kinds({"price"}, copy, EARBUDS)
    with pytest.raises(ExerciseError, match="accepts"):
        check_unsupported_kinds({"price", "offer", "quantity"}, copy, EARBUDS)
    with pytest.raises(ExerciseError, match="set of kinds"):
        check_unsupported_kinds("price", copy, EARBUDS)
    with pytest.raises(ExerciseError, match="not a kind.*\n.*product type, offer"):
        check_unsupported_kinds({"price", "discount"}, copy, EARBUDS)


def test_claim_kinds_are_the_validators() -> None:
    every_kind = (
        "Only $9.99! Rated 1.0 stars, the best earbud, a red smartwatch with 48 hours of battery, 20% off, "
        "guaranteed to cure boredom, and a 704-camera."
    )
    assert {claim.kind for claim in check_copy(every_kind, EARBUDS).unsupported} == set(CLAIM_KINDS)


def test_fixed_copy() -> None:
    tricky = "Only $96.99 today, with free shipping! The Apple Air 876 Wireless Earbuds are rated 4.9 stars."
    right = "Only $106.99 today! The Apple Air 876 Wireless Earbuds are rated 3.8 stars."
    assert check_fixed_copy(right, tricky, EARBUDS)
    for wrong, message in [
        (tricky, "still rejects.*offer 'free'"),
        ("Only $106.99, with free shipping! Rated 3.8 stars.", "offer"),
        ("Only $106.99 today! Rated 4.8 stars.", "rating 'Rated 4.8 stars'"),
        ("The Apple Air 876 Wireless Earbuds are rated 3.8 stars.", "drops the price"),
        ("The Apple Air 876 Wireless Earbuds, yours today.", "drops the price and the rating"),
        ("Guaranteed: $106.99, rated 3.8 stars.", "rejects"),
    ]:
        with pytest.raises(ExerciseError, match=message):
            check_fixed_copy(wrong, tricky, EARBUDS)
    with pytest.raises(ExerciseError, match="string"):
        check_fixed_copy({"price"}, tricky, EARBUDS)
    # a claim the copy got right may go: only a wrong price or rating has to be corrected
    assert check_fixed_copy("Only $106.99 today!", "Only $106.99, free shipping!", EARBUDS)


def test_the_worked_answers_of_exercise_2_pass_its_checkers() -> None:
    path = Path(__file__).resolve().parents[1] / "notebooks" / "solutions" / "solutions.py"
    spec = importlib.util.spec_from_file_location("solutions", path)
    solutions = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(solutions)
    for rating in (3.8, 4.9):  # rated 4.9, the tricky copy's rating is right
        facts = ProductFacts("Apple Air 876 Wireless Earbuds", "Apple", 1106.99, rating, "silver", {})
        tricky = (
            f"Only ${facts.price - 10:.2f} today, with free shipping! The {facts.title} is rated 4.9 stars."
        )
        assert check_unsupported_kinds(solutions.s06_unsupported_kinds(tricky, facts), tricky, facts)
        assert check_fixed_copy(solutions.s06_fixed_copy(facts), tricky, facts)


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
