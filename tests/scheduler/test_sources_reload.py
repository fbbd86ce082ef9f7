"""The scheduler reads the sources file again when it changes, and keeps the last good list
when the file turns invalid."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from jobs.context import SourceList
from settings.config import ConfigError


def touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_an_edited_interval_applies_without_a_restart(sources_file: Path) -> None:
    sources = SourceList(sources_file)
    assert {s.name: s.interval for s in sources.load()}["fast"] == timedelta(minutes=15)
    sources_file.write_text(sources_file.read_text().replace('"15m"', '"5m"'))
    touch_later(sources_file)
    assert {s.name: s.interval for s in sources.load()}["fast"] == timedelta(minutes=5)


def test_an_invalid_file_keeps_the_previous_sources(
    sources_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sources = SourceList(sources_file)
    before = sources.load()
    sources_file.write_text("[[sources]]\nname = 'broken'\n")
    touch_later(sources_file)
    assert sources.load() == before
    assert "keeping the previous sources" in caplog.text


def test_an_invalid_file_at_start_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text("not toml [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        SourceList(path).load()
