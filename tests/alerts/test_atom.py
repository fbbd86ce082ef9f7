"""Each watch's matches as an Atom feed: newest first, escaped, one file per watch kept current."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.atom import (
    build_feed,
    entry_id,
    feed_id,
    render_watch_feed,
    write_watch_feeds,
    xml_text,
)
from storage import Database
from storage.alerts import MatchRow
from tests.alerts.conftest import NOW, add_match

A = "{http://www.w3.org/2005/Atom}"


def test_feed_lists_matches_newest_first_and_escaped(db: Database) -> None:
    add_match(db, title="Older", url="https://news.example/1", matched_at=NOW)
    add_match(
        db,
        title="<script>alert(1)</script> & more",
        url="https://news.example/2?a=1&b=2",
        source="Wire <Service>",
        snippet="Acme <b>rose</b>",
        highlights=[(0, 4)],
        matched_at=NOW + dt.timedelta(hours=1),
    )
    add_match(db, watch="Other", url="https://news.example/3")

    with db.sessions() as session:
        document = render_watch_feed(session, "Acme", limit=10)

    root = ET.fromstring(document)
    assert root.tag == f"{A}feed"
    assert root.findtext(f"{A}id") == feed_id("Acme")
    assert root.findtext(f"{A}updated") == "2026-11-28T11:00:00Z"
    entries = root.findall(f"{A}entry")
    assert [e.findtext(f"{A}title") for e in entries] == [
        "<script>alert(1)</script> & more",
        "Older",
    ]
    newest = entries[0]
    assert newest.findtext(f"{A}id") == entry_id("Acme", "https://news.example/2?a=1&b=2")
    assert newest.find(f"{A}link").get("href") == "https://news.example/2?a=1&b=2"  # type: ignore[union-attr]
    assert newest.findtext(f"{A}author/{A}name") == "Wire <Service>"
    summary = newest.find(f"{A}summary")
    assert summary is not None and summary.get("type") == "html"
    assert summary.text is not None
    assert summary.text.startswith("<p><mark>Acme</mark> &lt;b&gt;rose&lt;/b&gt;</p>")
    assert b"<script>" not in document

    parsed = feedparser.parse(document)
    assert not parsed.bozo
    assert [e.title for e in parsed.entries] == ["<script>alert(1)</script> & more", "Older"]


def test_unknown_watch_is_an_error(db: Database) -> None:
    with db.sessions() as session, pytest.raises(LookupError, match="Nope"):
        render_watch_feed(session, "Nope", limit=10)


def test_write_watch_feeds_keeps_one_file_per_watch_current(db: Database, tmp_path: Path) -> None:
    add_match(db, watch="Acme Corp", url="https://news.example/1")
    add_match(db, watch="acme-corp", url="https://news.example/2")  # same slug
    add_match(db, watch="Other", url="https://news.example/3")
    feeds = tmp_path / "feeds"

    with db.sessions() as session:
        written = write_watch_feeds(session, feeds)
    assert sorted(p.name for p in written) == ["acme-corp-1.atom", "acme-corp-2.atom", "other.atom"]
    before = (feeds / "other.atom").stat().st_mtime_ns

    with db.sessions() as session:
        assert write_watch_feeds(session, feeds) == []  # nothing changed, nothing rewritten
    assert (feeds / "other.atom").stat().st_mtime_ns == before

    add_match(db, watch="Other", url="https://news.example/4", title="New one")
    with db.sessions() as session:
        assert [p.name for p in write_watch_feeds(session, feeds)] == ["other.atom"]
    assert b"New one" in (feeds / "other.atom").read_bytes()
    assert sorted(p.name for p in feeds.iterdir()) == [
        "acme-corp-1.atom",
        "acme-corp-2.atom",
        "other.atom",
    ]


def row(title: str, url: str = "https://news.example/x") -> MatchRow:
    return MatchRow(
        match_id=1,
        watch_name="W",
        matched_at=NOW,
        terms=("t",),
        snippet=title,
        highlights=((0, 1),),
        headline=title,
        url=url,
        canonical_url=url,
        source=title or "S",
        published_at=None,
        authors=(),
    )


def test_unsafe_links_are_left_out() -> None:
    document = build_feed("W", [row("x", "javascript:alert(1)")], updated=NOW)
    assert b"javascript:" not in document


@given(st.text(max_size=80))
def test_any_headline_gives_a_well_formed_feed(title: str) -> None:
    document = build_feed(title or "W", [row(title)], updated=NOW)
    entry = ET.fromstring(document).find(f"{A}entry")
    assert entry is not None
    # Characters XML cannot carry at all are dropped; everything else arrives as it was.
    assert entry.findtext(f"{A}title") == xml_text(" ".join(title.split()) or "(untitled)")
    source = " ".join((title or "S").split()) or "unknown"
    assert entry.findtext(f"{A}author/{A}name") == xml_text(source)
