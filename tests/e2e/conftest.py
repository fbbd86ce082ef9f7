"""Fixtures for end-to-end crawls: the fixture site and a per-test project configuration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.helpers import Project
from tests.site import Site, serve

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HOSTS = ["pk-daily", "wire-times", "broken-news"]


@pytest.fixture
def site() -> Iterator[Site]:
    yield from serve(HOSTS)


@pytest.fixture
def project(db_url: str, tmp_path: Path) -> Project:
    return Project(
        db_url=db_url,
        sources=tmp_path / "sources.toml",
        watches=FIXTURES / "watches.toml",
        data_dir=tmp_path / "data",
    )
