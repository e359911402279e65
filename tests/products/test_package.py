"""The products package's public names: each is the object of its subpackage, and the
ones the flat API offers (``riskmap.build_inventory`` ...) are the same objects."""

from __future__ import annotations

import importlib

import riskmap
from riskmap import products

_SUBPACKAGES = ("inventory", "indicators", "report", "whatif")


def test_every_public_name_comes_from_one_subpackage() -> None:
    for name in products.__all__:
        homes = [
            sub
            for sub in _SUBPACKAGES
            if getattr(importlib.import_module(f"riskmap.products.{sub}"), name, None)
            is getattr(products, name)
        ]
        assert len(homes) == 1, (name, homes)
    assert {"build_inventory", "compute_indicators", "build_report", "compare"} <= set(
        products.__all__
    )


def test_the_flat_api_offers_the_same_objects() -> None:
    for name in set(products.__all__) & set(riskmap.__all__):
        assert getattr(riskmap, name) is getattr(products, name), name
