"""Checkers for notebook 06 (copy generation): a faithful copy written by hand, the claims a copy fails on,
and that copy fixed."""

from __future__ import annotations

import re
from typing import Any

from helpers.copy_validation import ProductFacts, check_copy
from helpers.copywriting import headline_attribute
from helpers.exercises.base import checker, fail, require

__all__ = ["CLAIM_KINDS", "check_faithful_copy", "check_fixed_copy", "check_unsupported_kinds"]

# The kinds of claim helpers.copy_validation.check_copy names, in the order of its table.
CLAIM_KINDS = (
    "price",
    "rating",
    "quantity",
    "feature",
    "product type",
    "offer",
    "superlative",
    "guarantee",
    "medical",
    "number",
)
ALWAYS_IN_THE_FACTS = ("price", "rating")  # every product has them: a wrong one can be made right


@checker
def check_faithful_copy(answer: Any, facts: ProductFacts) -> bool:
    """``answer`` is two sentences of copy for ``facts`` that pass the validator, state the headline
    attribute and the price, and are not the workbook's own ``house_style_copy`` of them."""
    from helpers.copy_tuning import house_style_copy  # here: it loads the training engine

    require(isinstance(answer, str), f"a copy is a string, got {type(answer).__name__}", "write it in quotes")
    require(
        answer.split() != house_style_copy(facts).split(),  # the same words, however spaced
        "that is the workbook's house_style_copy, not your copy",
        "write the two sentences yourself: choose what to say about the product and how",
    )
    sentences = [part for part in re.split(r"(?<=[.!?])\s+", answer.strip()) if part]
    require(
        len(sentences) >= 2, f"that is {len(sentences)} sentence(s)", "write two sentences, each ending in ."
    )
    result = check_copy(answer, facts, [headline_attribute(facts)])
    if result.unsupported:
        reasons = "; ".join(f"{c.kind} {c.text!r}: {c.reason}" for c in result.unsupported)
        fail(
            f"the validator rejects these claims: {reasons}",
            "state only what the facts block says, and what each number measures ('10 hours of battery')",
        )
    if result.banned:
        fail(f"banned phrase(s): {', '.join(result.banned)}", "no guarantees or superlatives")
    require(
        not result.missing,
        f"the copy does not state its {headline_attribute(facts).replace('_', ' ')}",
        f"write it as the facts block does: {facts.attributes[headline_attribute(facts)]} and its unit",
    )
    require(
        any(claim.kind == "price" for claim in result.claims),
        "the copy does not state the price",
        f"write it with a dollar sign, e.g. ${facts.price:,.2f}",
    )
    return True


def _claim_kind(name: Any) -> str:
    """The validator's name of the kind ``name`` spells loosely ("Prices", "product_types", "offer
    claims", "quantities"); fails, listing the kinds, for a name that is none of :data:`CLAIM_KINDS`."""
    words = re.sub(r" claims?$", "", " ".join(re.split(r"[\s_-]+", str(name).strip().lower())))
    for kind in CLAIM_KINDS:
        if words in (kind, f"{kind}s", f"{kind[:-1]}ies" if kind.endswith("y") else kind):
            return kind
    fail(
        f"{name!r} is not a kind of claim the validator names",
        f"use these names: {', '.join(CLAIM_KINDS)}",
    )


@checker
def check_unsupported_kinds(answer: Any, copy: str, facts: ProductFacts) -> bool:
    """``answer``: the set of claim kinds (``"price"``, ``"offer"`` ...; any of :data:`CLAIM_KINDS`, in
    any case, singular or plural) the validator rejects in ``copy``."""
    require(
        isinstance(answer, set | frozenset | list | tuple),
        f"answer with a set of kinds, got {type(answer).__name__}",
        'for example {"price", "offer"}',
    )
    expected = {claim.kind for claim in check_copy(copy, facts).unsupported}
    given = {_claim_kind(name) for name in answer}
    require(
        not given - expected,
        f"the validator accepts (or never sees) claims of kind(s) {sorted(given - expected)}",
        "compare each claim with the facts block: a true number is supported",
    )
    require(
        not expected - given,
        f"you missed {len(expected - given)} kind(s) of rejected claim",
        "look for numbers with units, prices, ratings, offers ('free'), superlatives and guarantees",
    )
    return True


@checker
def check_fixed_copy(answer: Any, copy: str, facts: ProductFacts) -> bool:
    """``answer`` is ``copy`` fixed: the validator passes it, and each price or rating ``copy`` got wrong
    is stated right, not dropped (a claim no fact backs, such as an offer, has to go)."""
    require(isinstance(answer, str), f"a copy is a string, got {type(answer).__name__}", "write it in quotes")
    result = check_copy(answer, facts)
    if result.unsupported:
        reasons = "; ".join(f"{c.kind} {c.text!r}: {c.reason}" for c in result.unsupported)
        fail(
            f"the validator still rejects these claims: {reasons}",
            "a wrong number becomes the facts' number; a claim no fact can back (an offer, 'best') goes",
        )
    require(
        not result.banned, f"banned phrase(s): {', '.join(result.banned)}", "no guarantees or superlatives"
    )
    wrong = {claim.kind for claim in check_copy(copy, facts).unsupported}
    right = {claim.kind for claim in result.claims}
    dropped = [kind for kind in ALWAYS_IN_THE_FACTS if kind in wrong and kind not in right]
    require(
        not dropped,
        f"the fix drops the {' and the '.join(dropped)} instead of correcting it",
        "keep each wrong price and rating, with the value the facts block gives",
    )
    return True
