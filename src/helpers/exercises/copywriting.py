"""Checkers for notebook 06 (copy generation): a faithful copy written by hand, the claims a copy fails on."""

from __future__ import annotations

import re
from typing import Any

from helpers.copy_validation import ProductFacts, check_copy
from helpers.copywriting import headline_attribute
from helpers.exercises.base import checker, fail, require

__all__ = ["check_faithful_copy", "check_unsupported_kinds"]


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


@checker
def check_unsupported_kinds(answer: Any, copy: str, facts: ProductFacts) -> bool:
    """``answer``: the set of claim kinds (``"price"``, ``"offer"`` ...) the validator rejects in ``copy``."""
    require(
        isinstance(answer, set | frozenset | list | tuple),
        f"answer with a set of kinds, got {type(answer).__name__}",
        'for example {"price", "offer"}',
    )
    expected = {claim.kind for claim in check_copy(copy, facts).unsupported}
    given = set(answer)
    require(
        not given - expected,
        f"the validator accepts (or never sees) claims of kind(s) {sorted(given - expected)}",
        "compare each claim with the facts block: a true number is supported",
    )
    require(
        not expected - given,
        f"you missed {len(expected - given)} kind(s) of rejected claim",
        "look for numbers with units, prices, offers ('free'), superlatives and guarantees",
    )
    return True
