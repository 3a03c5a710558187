"""Is a marketing copy faithful to the product? Extract its checkable claims and test each against the facts.

A small language model writes fluent copy and invents details with the same fluency: a battery that
lasts "48 hours" when the catalog says 10, a "50 % discount" nobody offered, a "lifetime warranty".
:func:`check_copy` finds the claims a shopper could hold the shop to and checks each against the
product's :class:`ProductFacts`:

==============  =========================================================  ===========================
claim           found as                                                   supported when
==============  =========================================================  ===========================
price           ``$129.99``, ``under $150``                                 the price (or "under" a
                                                                           higher amount)
rating          ``4.5 stars``, ``4.5 out of 5``, ``rated 4.5``               the average rating
quantity        a number with a unit: ``10 hours``, ``16 GB``, ``25 L``    an attribute has that
                                                                           number and unit, and the
                                                                           words around it name that
                                                                           attribute (below)
feature         noise cancelling, waterproof, a material, a brew type,     the product has it
                a colour
product type    earbuds, smartwatch, laptop, speaker ...                   the title names that type
offer           ``% off``, discount, sale, free, costs nothing, ``$0`` ... never: no offer is in the
                                                                           facts
superlative     best, #1, fastest, unbeatable, world's ...                 never: not checkable
guarantee       guarantee(d), warranty, money-back, risk-free              never
medical         cure, heal, clinically, therapeutic ...                    never
number          any other number: ``30 lbs``, ``a 704-camera``, ``1080p``  never (a number of the name or
                                                                           of a text fact, standing on
                                                                           its own, is no claim)
==============  =========================================================  ===========================

A quantity is tied to what it describes. "1.5 L" is the capacity of a 1.5 L blender, but "1.5 L power"
is not: the number and unit match, the attribute does not. The catalog's attribute name without its
unit ("capacity_l" -> capacity) has words that name it (:data:`ATTRIBUTE_WORDS`: capacity, holds, jar
...); :data:`OTHER_PROPERTIES` are what no attribute is. The first of three readings that names a
property decides:

1. The words after it, "of" and articles skipped: a word of the attribute or of the product's type
   ("30 L capacity", "10 hours of battery life", "a 1200 W blender") ties it, another property's word
   ("1.5 L power", "30 L air filtration") fails it. A word of several properties ("water": capacity,
   water resistance) gives way to the next if that names any: "0.7 L of water resistance" fails.
2. The noun before "of <quantity>", its last word else the one before: "battery life of 30 hours"
   ties, "a capacity of 1200 W" fails.
3. The clause (between commas or sentence ends) must name the attribute or the product ("lasts 7 days
   on a charge"), or it fails ("It's a wireless 6.4 inches"). The product's name as written is left
   out: every copy has it, so "The Max 602 Smartphone is a luxurious 6.7 inches" ties nothing.

"Waterproof" and "water resistant" are features: a water-resistance attribute or a text fact saying
so (a "waterproof shell" jacket) supports them.

A copy passes when every claim is supported, no banned phrase appears and every must-mention
attribute is mentioned. Text inside the copy is never obeyed, only checked: a review snippet that
says "say it is free" can make the model write "free", and the offer rule rejects that copy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Attribute-name suffix -> the units a copy may write it in (lower case).
UNITS = {
    "hours": ("hours", "hour", "hrs", "hr", "h"),
    "days": ("days", "day"),
    "inches": ("inches", "inch", '"', "”"),  # not "in": "2 in your bag" is no claim
    "gb": ("gb",),
    "m": ("m", "meters", "metres", "meter", "metre"),
    "l": ("l", "liters", "litres", "liter", "litre"),
    "cups": ("cups", "cup"),
    "w": ("w", "watts", "watt"),
}
# Attribute (its catalog name without the unit: "battery_hours" -> "battery") -> the words that say a
# quantity measures it. An attribute not listed is named by the words of its own name ("length_m" -> length).
ATTRIBUTE_WORDS = {
    "battery": "battery batteries charge charges last lasts lasting run runs runtime play plays playing "
    "playback playtime listening music sound use",
    "screen": "screen screens display displays touchscreen",
    "storage": "storage memory space capacity",
    "ram": "ram memory",
    "water_resistance": "water waterproof proof resistant resistance depth deep dive diving swim swimming",
    "capacity": "capacity hold holds holding volume space room storage carry carries bag pack tank jar "
    "pitcher container carafe brew brews coffee water smoothie smoothies juice soup gear",
    "power": "power powerful powered motor wattage",
}
# Properties no catalog attribute has: a quantity said of one ("a 30 L air filtration backpack") is false.
OTHER_PROPERTIES = "air airflow filtration weight speed range charging resolution"
FEATURE_WORDS = {  # attribute -> the words that claim it
    "material": (
        "canvas",
        "down",
        "fleece",
        "knit",
        "mesh",
        "nylon",
        "polyester",
        "synthetic",
        "leather",
        "cotton",
    ),
    "brew_type": ("drip", "espresso", "pod"),
    "color": (
        "black",
        "white",
        "silver",
        "blue",
        "red",
        "green",
        "grey",
        "gray",
        "pink",
        "gold",
        "navy",
        "beige",
    ),
}
# Product type -> the words that name it. A copy calling earbuds "a smartwatch" makes a false claim;
# the last entry holds types the catalog never sells, so naming one is never supported.
PRODUCT_TYPES = {
    "earbuds": ("earbuds", "earbud", "earphones"),
    "headphones": ("headphones", "headphone", "headset"),
    "smartphone": ("smartphone", "smartphones"),  # not "phone": earbuds pair with one
    "laptop": ("laptop", "laptops"),
    "smartwatch": ("smartwatch", "smartwatches", "smart watch"),
    "running shoes": ("running shoes", "sneakers", "shoes", "shoe"),
    "backpack": ("backpack", "backpacks"),
    "coffee maker": ("coffee maker", "coffee makers", "coffee machine"),
    "blender": ("blender", "blenders"),
    "jacket": ("jacket", "jackets", "coat"),
    "": ("speaker", "speakers", "tablet", "camera", "e-bike", "bike", "television", "tv", "drone", "console"),
}
NOISE_CANCELLING = re.compile(r"\b(active )?noise[- ]cancel+(ing|ation)\b|\banc\b", re.I)
WATERPROOF = re.compile(r"\bwater[- ]?(proof|resistan(t|ce))\b", re.I)
PATTERNS = {
    # "free" as an offer, not "hands-free" or "feel free to"
    "offer": re.compile(
        r"\d+\s?% off|\b(discount\w*|on sale|sale price|bogo|coupon code)\b|(?<![-\w])(?<!feel )free\b"
        r"|\b(costs? nothing|pay nothing|(at )?no (extra )?(charge|cost)|zero cost|complimentary|on the house"
        r"|gratis|without paying)\b|\$\s?0(\.00)?(?![.,]?\d)",
        re.I,
    ),
    # Puffery such as "perfect for commuters" is left alone; these sound like facts nobody measured.
    "superlative": re.compile(
        r"#1\b|\b(best|number one|no\. ?1|fastest|cheapest|lowest price|unbeatable|unmatched|world'?s"
        r"|revolutionary)\b",
        re.I,
    ),
    "guarantee": re.compile(r"\b(guarantee[ds]?|warrant(y|ies)|money[- ]back|risk[- ]free|lifetime)\b", re.I),
    "medical": re.compile(
        r"\b(cures?|heal(s|ing)?|clinically|therapeutic|doctor[- ]approved|fda|medical)\b", re.I
    ),
}
BANNED_PHRASES = ("guaranteed", "best in the world", "100% satisfaction", "miracle", "act now or")
PRICE = re.compile(r"(under|below|less than)?\s*\$\s?(\d[\d,]*(?:\.\d{1,2})?)", re.I)
OUT_OF_FIVE = r"(?:[- ]?(?:/|out[- ]of)[- ]?5(?:\.0)?)"
RATING = re.compile(
    rf"rated\s+(\d(?:\.\d)?)(?![\d.]){OUT_OF_FIVE}?(?:[- ]?stars?)?"
    rf"|(\d(?:\.\d)?)(?:{OUT_OF_FIVE}(?:[- ]?stars?)?|[- ]?stars?)\b",
    re.I,
)
QUANTITY = re.compile(
    r"(\d+(?:\.\d+)?)\s?(-| )?("
    + "|".join(sorted({u for units in UNITS.values() for u in units}, key=len, reverse=True))
    + r")(?![a-z])",
    re.I,
)
# The words right before a quantity that make it a weight ("weighs just 1.2 L"): the catalog has no weights.
AS_A_WEIGHT = re.compile(
    r"\b(weigh(s|ing|ed)( in at)?|weight( of| is|:)?)\s+"
    r"((only|just|about|around|roughly|under|less than)\s+)*$",
    re.I,
)
NUMBER = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)*")
GLUED_TO_A_WORD = re.compile(r"-?[a-z]", re.I)  # "704-camera", "1080p": the number says something new
NUMBER_AS_WRITTEN = re.compile(r"[\w.,-]*\w")  # "704-camera", "1080p", "5-11", "30"
NEXT_WORD = re.compile(r" [a-z]+", re.I)
# The words a quantity describes: the next two, past "of" and articles ("10 hours of battery life").
DESCRIBED_WORDS = re.compile(r"[ \t-]*(?:(?:of|the|a|an)[ \t]+)*([a-z]+)(?:[ \t-]+([a-z]+))?", re.I)
# The noun before "of <quantity>" ("a capacity of", "battery life of up to"), its last two words.
NOUN_OF = re.compile(r"(?:\b([a-z]+)[ \t-]+)?\b([a-z]+)[ \t]+of[ \t]+(?:up[ \t]+to[ \t]+)?$", re.I)
CLAUSE_BREAK = re.compile(r"[.!?,;](?=\s|$)|[()\u2013\u2014]")
WORD = re.compile(r"[a-z]+", re.I)


@dataclass(frozen=True)
class ProductFacts:
    """What the catalog says about one product: the only source a copy may draw on."""

    title: str
    brand: str
    price: float
    rating: float
    color: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_catalog(cls, row: Mapping[str, Any]) -> ProductFacts:
        """Facts of one row of the simulator's catalog (``attributes`` is a JSON object)."""
        attributes = row["attributes"]
        return cls(
            title=str(row["title"]),
            brand=str(row["brand"]),
            price=float(row["price"]),
            rating=float(row["avg_rating"]),
            color=str(row.get("color", "")),
            attributes=json.loads(attributes) if isinstance(attributes, str) else dict(attributes),
        )


@dataclass(frozen=True)
class Claim:
    """One checkable statement in a copy and whether the facts support it."""

    kind: str
    text: str
    supported: bool
    reason: str = ""


@dataclass(frozen=True)
class CopyCheck:
    """The verdict on one copy: its claims, the must-mention attributes it missed, banned phrases it used."""

    claims: tuple[Claim, ...]
    missing: tuple[str, ...]
    banned: tuple[str, ...]

    @property
    def unsupported(self) -> tuple[Claim, ...]:
        """The claims the facts do not support."""
        return tuple(claim for claim in self.claims if not claim.supported)

    @property
    def distinct_supported(self) -> int:
        """How many different supported statements the copy makes: "1.2 L" said three times, or "1.5 L"
        and "1.5 litres", count once."""
        return len({_claim_key(claim) for claim in self.claims if claim.supported})

    @property
    def passed(self) -> bool:
        """Every claim supported, nothing missing, nothing banned."""
        return not (self.unsupported or self.missing or self.banned)


def _claim_key(claim: Claim) -> tuple:
    """What a claim states, whatever its spelling: a quantity as (number, unit family), else its words."""
    quantity = QUANTITY.fullmatch(claim.text) if claim.kind == "quantity" else None
    if quantity:
        return claim.kind, _number(quantity.group(1)), tuple(_unit_families(quantity.group(3)))
    return claim.kind, re.sub(r"\s", "", claim.text.lower())


def _unit_families(unit: str) -> list[str]:
    """The attribute families a unit as written may measure ("L" -> ["l"], "hrs" -> ["hours"])."""
    return [family for family, units in UNITS.items() if unit.lower() in units]


def _unit_family(attribute: str) -> str | None:
    return next((family for family in UNITS if attribute.endswith(f"_{family}")), None)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _price_claims(copy: str, facts: ProductFacts) -> list[Claim]:
    claims = []
    for match in PRICE.finditer(copy):
        amount, ceiling = _number(match.group(2)), bool(match.group(1))
        supported = amount >= facts.price if ceiling else abs(amount - facts.price) < 0.005
        reason = "" if supported else f"the price is ${facts.price:,.2f}"
        claims.append(Claim("price", match.group(0).strip(), supported, reason))
    return claims


def _rating_claims(copy: str, facts: ProductFacts) -> list[Claim]:
    claims = []
    for match in RATING.finditer(copy):
        value = _number(match.group(1) or match.group(2))
        supported = abs(value - facts.rating) < 0.05
        claims.append(
            Claim("rating", match.group(0).strip(), supported, "" if supported else f"rated {facts.rating}")
        )
    return claims


def _quantity_claims(copy: str, facts: ProductFacts) -> list[Claim]:
    """Numbers with units; a price or a rating is not a quantity (the $ and 'stars' are checked above)."""
    claims = []
    for match in QUANTITY.finditer(copy):
        if copy[max(0, match.start() - 1) : match.start()] == "$":
            continue
        if AS_A_WEIGHT.search(copy[max(0, match.start() - 40) : match.start()]):
            claims.append(Claim("quantity", match.group(0).strip(), False, "a weight: the catalog has none"))
            continue
        reason = _quantity_reason(copy, match, facts)
        claims.append(Claim("quantity", match.group(0).strip(), not reason, reason))
    return claims


def _quantity_reason(copy: str, quantity: re.Match, facts: ProductFacts) -> str:
    """Why ``quantity`` is unsupported ("" when it is): no attribute has its number and unit, or the
    words around it do not tie it to one that has."""
    value, families = _number(quantity.group(1)), _unit_families(quantity.group(3))
    stems = [
        name.removesuffix(f"_{family}")
        for name, fact in facts.attributes.items()
        if (family := _unit_family(name)) in families
        and isinstance(fact, int | float)
        and abs(float(fact) - value) < 1e-6
    ]
    if not stems:
        return "no attribute has this number and unit"
    reasons = [_untied(copy, quantity, stem, facts) for stem in stems]
    return "" if "" in reasons else reasons[0]


def _untied(copy: str, quantity: re.Match, stem: str, facts: ProductFacts) -> str:
    """Why the words around ``quantity`` do not tie it to ``stem`` ("" when they do): the module docstring's
    three readings, the words after it, the noun before "of", the clause."""
    name = stem.replace("_", " ")
    for phrase, names in (_after(copy, quantity, facts), _noun_of(copy, quantity, facts)):
        if stem in names or names == {""}:  # "": the product's own type
            return ""
        if names:
            return f"it describes {phrase!r}, not the {name}"
    starts = [match.end() for match in CLAUSE_BREAK.finditer(copy, 0, quantity.start())]
    end = CLAUSE_BREAK.search(copy, quantity.end())
    clause = copy[starts[-1] if starts else 0 : end.start() if end else len(copy)]
    for title in (facts.title, facts.title.removeprefix(facts.brand).strip()):
        clause = re.sub(re.escape(title), " ", clause, flags=re.I) if title else clause
    if (_attribute_words(stem) | _type_words(facts)) & {w.lower() for w in WORD.findall(clause)}:
        return ""
    return f"nothing next to it says it is the {name} (or names the product)"


def _after(copy: str, quantity: re.Match, facts: ProductFacts) -> tuple[str, set[str]]:
    """The words after ``quantity`` and the properties they name ({""}: the product's type). The first
    decides; when it names several ("water"), the next decides instead if it names any ("resistance")."""
    match = DESCRIBED_WORDS.match(copy, quantity.end())
    first, second = (match.group(1).lower(), (match.group(2) or "").lower()) if match else ("", "")
    names = _names(first, facts)
    if len(names) > 1 and (narrowed := _names(second, facts)):
        return f"{first} {second}", narrowed
    return first, names


def _noun_of(copy: str, quantity: re.Match, facts: ProductFacts) -> tuple[str, set[str]]:
    """The noun before "of <quantity>" and the properties its last word, else the one before, names."""
    match = NOUN_OF.search(copy, max(0, quantity.start() - 60), quantity.start())
    words = [word.lower() for word in match.groups()[::-1] if word] if match else []
    for i, word in enumerate(words):
        if names := _names(word, facts):
            return " ".join(words[i::-1]), names
    return "", set()


def _names(word: str, facts: ProductFacts) -> set[str]:
    """The properties ``word`` names: attributes (by stem), :data:`OTHER_PROPERTIES`, {""}: the type."""
    if word in _type_words(facts):
        return {""}
    stems = {name.removesuffix(f"_{_unit_family(name)}") for name in facts.attributes if _unit_family(name)}
    names = {stem for stem in stems | set(ATTRIBUTE_WORDS) if word in _attribute_words(stem)}
    return names | ({word} & set(OTHER_PROPERTIES.split()))


def _attribute_words(stem: str) -> set[str]:
    """The words that name an attribute (its catalog name without the unit, e.g. "battery"): the words of
    its name and its :data:`ATTRIBUTE_WORDS`."""
    return set(stem.split("_")) | set(ATTRIBUTE_WORDS.get(stem, "").split())


def _own_types(facts: ProductFacts) -> set[str]:
    """The product types the title names ("earbuds" for "Apple Air 876 Wireless Earbuds")."""
    title = facts.title.lower()
    return {kind for kind, words in PRODUCT_TYPES.items() if kind and any(_has_word(title, w) for w in words)}


def _type_words(facts: ProductFacts) -> set[str]:
    """The single words that name the product's own type ("earbuds", "earbud", "earphones")."""
    return {word for kind in _own_types(facts) for phrase in PRODUCT_TYPES[kind] for word in phrase.split()}


def _feature_claims(copy: str, facts: ProductFacts) -> list[Claim]:
    claims = []
    for match in NOISE_CANCELLING.finditer(copy):
        supported = bool(facts.attributes.get("noise_cancelling"))
        claims.append(Claim("feature", match.group(0), supported, "" if supported else "no noise cancelling"))
    said = "; ".join(f"{k} {v}".replace("_", " ") for k, v in facts.attributes.items() if v)
    for match in WATERPROOF.finditer(copy):
        supported = bool(WATERPROOF.search(said))  # a water_resistance_m, a "waterproof shell"
        claims.append(Claim("feature", match.group(0), supported, "" if supported else "not water resistant"))
    lowered = copy.lower()
    for attribute, words in FEATURE_WORDS.items():
        actual = str(facts.color if attribute == "color" else facts.attributes.get(attribute, "")).lower()
        for word in words:
            if re.search(rf"\b{re.escape(word)}\b", lowered) and not _down_as_direction(lowered, word):
                supported = word == actual or (word in ("grey", "gray") and actual in ("grey", "gray"))
                reason = "" if supported else f"its {attribute.replace('_', ' ')} is {actual or 'not given'}"
                claims.append(Claim("feature", word, supported, reason))
    return claims


def _product_type_claims(copy: str, facts: ProductFacts) -> list[Claim]:
    """Names of product types: supported when the title names the same type."""
    own = _own_types(facts)
    claims = []
    for kind, words in PRODUCT_TYPES.items():
        for word in words:
            if _has_word(copy.lower(), word):
                supported = kind in own
                reason = "" if supported else f"the product is a {facts.title}"
                claims.append(Claim("product type", word, supported, reason))
                break  # one claim per type: "earbuds" and "earbud" are the same statement
    return claims


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def _down_as_direction(text: str, word: str) -> bool:
    """'down' is a jacket filling but also 'slow down': only 'down jacket/fill/insulation' claims it."""
    return word == "down" and not re.search(r"\bdown[- ](jacket|fill|filled|insulat\w*|feathers?)\b", text)


def _other_number_claims(copy: str, facts: ProductFacts) -> list[Claim]:
    """Numbers that no rule above read. They cannot be checked ("30 lbs": a unit the rules do not know;
    "a 704-camera": the model number as a spec), so each is an unsupported claim, unless it is a number
    of the product's name or of a text fact ("Air 876", "US 5-11") standing on its own: that is no claim."""
    checked = [PRICE, RATING, QUANTITY, *PATTERNS.values()]
    spans = [match.span() for pattern in checked for match in pattern.finditer(copy)]
    texts = [facts.title, *(value for value in facts.attributes.values() if isinstance(value, str))]
    known = {match.group(0) for text in texts for match in NUMBER.finditer(text)}
    claims = []
    for match in NUMBER.finditer(copy):
        if any(start <= match.start() < end for start, end in spans):
            continue
        if match.group(0) in known and not GLUED_TO_A_WORD.match(copy, match.end()):
            continue
        reason = "a number the facts do not state"
        claims.append(Claim("number", _as_written(copy, match), False, reason))
    return claims


def _as_written(copy: str, number: re.Match) -> str:
    """The number with what it is glued to ("704-camera"), or with the next word ("30 lbs")."""
    written = NUMBER_AS_WRITTEN.match(copy, number.start()).group(0)
    if written == number.group(0) and (word := NEXT_WORD.match(copy, number.end())):
        written += word.group(0)
    return written


def extract_claims(copy: str, facts: ProductFacts) -> list[Claim]:
    """Every checkable claim of ``copy``, each marked supported or not by ``facts``."""
    claims = _price_claims(copy, facts) + _rating_claims(copy, facts) + _quantity_claims(copy, facts)
    claims += _feature_claims(copy, facts) + _product_type_claims(copy, facts)
    for kind, pattern in PATTERNS.items():
        claims += [
            Claim(kind, match.group(0).strip(), False, f"a {kind} claim the facts cannot back")
            for match in pattern.finditer(copy)
        ]
    return claims + _other_number_claims(copy, facts)


def mentions(copy: str, facts: ProductFacts, attribute: str) -> bool:
    """Whether ``copy`` states ``attribute`` of the product (its number and unit, its word, the feature).

    A number and unit count wherever they stand: whether the words around them say them of this
    attribute is a claim, judged by :func:`check_copy`.
    """
    value = facts.attributes.get(attribute)
    if attribute == "noise_cancelling":
        return bool(NOISE_CANCELLING.search(copy)) == bool(value)
    family = _unit_family(attribute)
    if family is not None and isinstance(value, int | float):
        return any(
            abs(_number(match.group(1)) - float(value)) < 1e-6 and match.group(3).lower() in UNITS[family]
            for match in QUANTITY.finditer(copy)
        )
    return value is not None and re.search(rf"\b{re.escape(str(value).lower())}\b", copy.lower()) is not None


def check_copy(
    copy: str,
    facts: ProductFacts,
    must_mention: Iterable[str] = (),
    banned_phrases: Iterable[str] = BANNED_PHRASES,
) -> CopyCheck:
    """Check one copy: its claims against ``facts``, the ``must_mention`` attributes, the banned phrases."""
    if not isinstance(copy, str):
        raise TypeError(f"a copy is a string, got {type(copy).__name__}")
    lowered = copy.lower()
    return CopyCheck(
        claims=tuple(extract_claims(copy, facts)),
        missing=tuple(name for name in must_mention if not mentions(copy, facts, name)),
        banned=tuple(phrase for phrase in banned_phrases if phrase.lower() in lowered),
    )
