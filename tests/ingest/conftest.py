"""Fixtures for the importer tests: the seed plans (copied from real documents) and orgs."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.organisation import load_organisation

SEEDS = Path(__file__).parent / "seeds"
ORGS = Path(__file__).resolve().parents[2] / "samples" / "org"


@pytest.fixture(scope="session")
def seeds() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def orgs() -> Path:
    return ORGS


@pytest.fixture(scope="session")
def org_config():
    cache: dict = {}

    def load(name: str):
        if name not in cache:
            cache[name] = load_organisation(ORGS / f"{name}.yaml")
        return cache[name]

    return load
