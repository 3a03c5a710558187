"""Product catalog: categories, brands, prices, category-specific attributes, descriptions, ratings.

These are the *product facts* that generated marketing copy must stay faithful to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Category:
    """One product category of the simulated shop: its noun, brands, median price and review aspects."""

    name: str
    noun: str
    brands: tuple[str, ...]
    median_price: float
    aspects: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category(
        "earbuds",
        "wireless earbuds",
        ("Sony", "JBL", "Anker", "Apple", "Samsung"),
        79,
        ("sound", "battery", "fit"),
    ),
    Category(
        "headphones",
        "headphones",
        ("Sony", "Bose", "Sennheiser", "Audio-Technica", "JBL"),
        149,
        ("sound", "battery", "comfort"),
    ),
    Category(
        "smartphones",
        "smartphone",
        ("Apple", "Samsung", "Google", "Motorola", "OnePlus"),
        599,
        ("performance", "battery", "camera"),
    ),
    Category(
        "laptops",
        "laptop",
        ("Lenovo", "Dell", "HP", "Apple", "Asus"),
        899,
        ("performance", "battery", "screen"),
    ),
    Category(
        "smartwatches",
        "smartwatch",
        ("Garmin", "Apple", "Samsung", "Fitbit", "Amazfit"),
        249,
        ("battery", "fit", "accuracy"),
    ),
    Category(
        "running_shoes",
        "running shoes",
        ("Nike", "Adidas", "Asics", "Brooks", "Hoka"),
        119,
        ("fit", "comfort", "durability"),
    ),
    Category(
        "backpacks",
        "backpack",
        ("The North Face", "Osprey", "Herschel", "JanSport", "Samsonite"),
        69,
        ("durability", "capacity", "comfort"),
    ),
    Category(
        "coffee_makers",
        "coffee maker",
        ("Breville", "Keurig", "DeLonghi", "Cuisinart", "Mr. Coffee"),
        129,
        ("taste", "ease of use", "durability"),
    ),
    Category(
        "blenders",
        "blender",
        ("Vitamix", "Ninja", "NutriBullet", "KitchenAid", "Oster"),
        99,
        ("power", "noise", "durability"),
    ),
    Category(
        "jackets",
        "jacket",
        ("Patagonia", "Columbia", "The North Face", "Uniqlo", "Arcteryx"),
        159,
        ("warmth", "fit", "durability"),
    ),
)
PRODUCTS_PER_CATEGORY = 32
SERIES = ("Pulse", "Air", "Flex", "Pro", "Max", "Sport", "Lite", "Ultra", "Wave", "Core", "Edge", "Nova")
COLORS = ("black", "white", "blue", "red", "green", "silver", "grey")
UNIVERSAL_ASPECTS = ("value", "delivery", "quality")


def _attributes(category: str, rng: np.random.Generator) -> dict[str, object]:
    """Category-specific facts, e.g. battery hours for earbuds, capacity for backpacks."""
    pick = rng.choice
    if category == "earbuds":
        return {"battery_hours": int(pick([5, 6, 7, 8, 10])), "noise_cancelling": bool(rng.random() < 0.5)}
    if category == "headphones":
        return {"battery_hours": int(pick([20, 30, 40, 60])), "noise_cancelling": bool(rng.random() < 0.6)}
    if category == "smartphones":
        return {
            "storage_gb": int(pick([64, 128, 256, 512])),
            "screen_inches": float(pick([5.8, 6.1, 6.4, 6.7])),
        }
    if category == "laptops":
        return {
            "ram_gb": int(pick([8, 16, 32])),
            "screen_inches": float(pick([13.3, 14.0, 15.6])),
            "battery_hours": int(pick([6, 8, 10, 12, 18])),
        }
    if category == "smartwatches":
        return {"battery_days": int(pick([1, 2, 5, 7, 14])), "water_resistance_m": int(pick([30, 50, 100]))}
    if category == "running_shoes":
        return {
            "material": str(pick(["mesh", "knit", "synthetic"])),
            "size_range": str(pick(["US 6-12", "US 7-13", "US 5-11"])),
        }
    if category == "backpacks":
        return {
            "capacity_l": int(pick([15, 20, 25, 30, 40])),
            "material": str(pick(["nylon", "polyester", "canvas"])),
        }
    if category == "coffee_makers":
        return {
            "capacity_cups": int(pick([1, 4, 10, 12])),
            "brew_type": str(pick(["drip", "espresso", "pod"])),
        }
    if category == "blenders":
        return {"power_w": int(pick([600, 900, 1200, 1500])), "capacity_l": float(pick([0.7, 1.2, 1.5, 2.0]))}
    if category == "jackets":
        return {
            "material": str(pick(["down", "fleece", "waterproof shell"])),
            "size_range": str(pick(["XS-XL", "S-XXL"])),
        }
    raise ValueError(f"unknown category {category!r}")


def _describe(title: str, attributes: dict[str, object], rating: float) -> str:
    facts = []
    for key, value in attributes.items():
        label = key.replace("_", " ")
        if isinstance(value, bool):
            facts.append(f"{'with' if value else 'without'} noise cancelling")
        else:
            facts.append(f"{label}: {value}")
    return f"{title}. " + "; ".join(facts) + f". Average rating {rating:.1f} out of 5."


def make_catalog(seed: int) -> pd.DataFrame:
    """A deterministic catalog of ``len(CATEGORIES) * PRODUCTS_PER_CATEGORY`` products."""
    rng = np.random.default_rng(seed)
    rows = []
    for category in CATEGORIES:
        brand_premium = dict(
            zip(category.brands, rng.lognormal(0.0, 0.25, len(category.brands)), strict=True)
        )
        models: set[tuple[str, int]] = set()
        while len(models) < PRODUCTS_PER_CATEGORY:
            models.add((str(rng.choice(SERIES)), int(rng.integers(100, 1000))))
        for series, number in sorted(models):
            brand = str(rng.choice(category.brands))
            price = category.median_price * brand_premium[brand] * rng.lognormal(0.0, 0.35)
            # ~15% of products are poorly rated (< 3 stars): reading their reviews puts buyers off.
            rating = round(
                float(np.clip(rng.normal(2.5, 0.4) if rng.random() < 0.15 else rng.normal(4.2, 0.35), 1, 5)),
                1,
            )
            model = f"{series} {number}"
            title = f"{brand} {model} {category.noun.title()}"
            attributes = _attributes(category.name, rng)
            rows.append(
                {
                    "category": category.name,
                    "noun": category.noun,
                    "brand": brand,
                    "model": model,
                    "title": title,
                    "color": str(rng.choice(COLORS)),
                    "price": round(max(price, 9.0)) - 0.01,
                    "avg_rating": rating,
                    "attributes": json.dumps(attributes, sort_keys=True),
                    "description": _describe(title, attributes, rating),
                }
            )
    catalog = pd.DataFrame(rows)
    catalog.insert(0, "product_id", np.arange(len(catalog)))
    return catalog
