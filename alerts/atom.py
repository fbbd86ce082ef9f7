"""Each watch's matches as an Atom 1.0 feed, newest first, for analysts' own feed readers.

``write_watch_feeds`` keeps one file per watch current under ``AppConfig.feeds_dir``
(``data/feeds/<watch-slug>.atom``), rewriting a file atomically and only when it changed.
Ids are derived from the watch name and the article's canonical URL, so they survive a rebuild.
"""

from __future__ import annotations

import html
import logging
import re
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from alerts.compose import highlight_html, safe_href, slug, when
from alerts.eml import write_atomic
from storage.alerts import MatchRow, list_watches, matches_for_watch, watch_updated_at

logger = logging.getLogger(__name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
FEED_LIMIT = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def feed_id(watch_name: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"newswatch:watch:{watch_name}").urn


def entry_id(watch_name: str, canonical_url: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"newswatch:match:{watch_name}\n{canonical_url}").urn


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _summary(row: MatchRow) -> str:
    parts = []
    if row.snippet:
        parts.append(f"<p>{highlight_html(row.snippet, row.highlights)}</p>")
    meta = f"{row.source} · {when(row.published_at)}"
    if row.terms:
        meta += " · matched: " + ", ".join(row.terms)
    parts.append(f"<p>{html.escape(meta)}</p>")
    return "\n".join(parts)


def build_feed(
    watch_name: str,
    rows: Sequence[MatchRow],
    *,
    updated: datetime,
    self_url: str | None = None,
) -> bytes:
    """The Atom document for ``rows`` (already newest first)."""
    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    _add(feed, "id", feed_id(watch_name))
    _add(feed, "title", f"newswatch: {watch_name}")
    _add(feed, "subtitle", f"Articles matching the watch {watch_name}, newest first")
    _add(feed, "updated", rfc3339(updated))
    _add(_add(feed, "author"), "name", "newswatch")
    _add(feed, "generator", "newswatch")
    if self_url:
        _add(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    for row in rows:
        entry = _add(feed, "entry")
        _add(entry, "id", entry_id(watch_name, row.canonical_url))
        _add(entry, "title", " ".join((row.headline or "").split()) or "(untitled)", type="text")
        href = safe_href(row.url) or safe_href(row.canonical_url)
        if href:
            _add(entry, "link", rel="alternate", href=href)
        _add(entry, "updated", rfc3339(row.matched_at))
        if row.published_at is not None:
            _add(entry, "published", rfc3339(row.published_at))
        _add(_add(entry, "author"), "name", " ".join(row.source.split()) or "unknown")
        for term in Counter(row.terms):
            _add(entry, "category", term=term)
        _add(entry, "summary", _summary(row), type="html")
    ET.indent(feed)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def render_watch_feed(session: Session, watch_name: str, limit: int = FEED_LIMIT) -> bytes:
    """The Atom feed of a stored watch's latest ``limit`` matches; ``LookupError`` if unknown."""
    known = watch_updated_at(session, watch_name)
    if known is None:
        raise LookupError(f"no watch named {watch_name!r}")
    rows = matches_for_watch(session, watch_name, limit)
    updated = max((r.matched_at for r in rows), default=known)
    return build_feed(watch_name, rows, updated=updated)


def feed_files(watches: Sequence[tuple[int, str]]) -> dict[str, str]:
    """``{watch name: file name}``; watches whose slugs collide get their id appended."""
    slugs = Counter(slug(name) for _, name in watches)
    return {
        name: f"{slug(name)}-{wid}.atom" if slugs[slug(name)] > 1 else f"{slug(name)}.atom"
        for wid, name in watches
    }


def write_watch_feeds(session: Session, feeds_dir: Path, limit: int = FEED_LIMIT) -> list[Path]:
    """Write ``<feeds_dir>/<watch-slug>.atom`` for every stored watch; return the changed files."""
    changed: list[Path] = []
    for name, file_name in feed_files(list_watches(session)).items():
        path = feeds_dir / file_name
        data = render_watch_feed(session, name, limit)
        if path.exists() and path.read_bytes() == data:
            continue
        write_atomic(path, data)
        changed.append(path)
        logger.info("wrote Atom feed of watch %s to %s", name, path)
    return changed
