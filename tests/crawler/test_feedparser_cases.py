"""parse_feed over public evaluation feeds kept beside the repository (``../shared/eval``):
feedparser's own 461 test documents, and real-world feeds with another parser's expectations.

Skipped, saying so, where that folder is absent; the data is never copied into the repository.
"""

from __future__ import annotations

import codecs
import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from urllib.parse import urljoin

import pytest

from crawler.feeds import FeedError, ParsedFeed, html_to_text, parse_feed

EVAL = Path(__file__).resolve().parents[2].parent / "shared" / "eval"
CASES = EVAL / "feedparser-cases"
REALWORLD = EVAL / "realworld-feeds" / "test"
BASE_URL = "http://feedparser.test/"


def _case_files() -> list[str]:
    if not CASES.is_dir():
        return []
    return sorted(str(p.relative_to(CASES)) for p in (CASES / "tests").rglob("*") if p.is_file())


CASE_FILES = _case_files()
needs_cases = pytest.mark.skipif(
    not CASE_FILES, reason=f"feedparser cases not found at {CASES} (shared/eval is absent)"
)
needs_realworld = pytest.mark.skipif(
    not REALWORLD.is_dir(), reason=f"real-world feeds not found at {REALWORLD}"
)


@cache
def manifest() -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = json.loads((CASES / "manifest.json").read_text())
    return data


def run_case(rel: str) -> ParsedFeed | FeedError:
    """parse_feed as the spider would call it, with the case's simulated HTTP headers."""
    raw_headers = manifest().get(rel, {}).get("http_headers", {})
    assert isinstance(raw_headers, dict)
    headers = {str(k).lower(): str(v) for k, v in raw_headers.items()}
    url = urljoin(BASE_URL + rel, headers.get("content-location", ""))
    try:
        return parse_feed((CASES / rel).read_bytes(), url, content_type=headers.get("content-type"))
    except FeedError as error:
        return error


@cache
def all_outcomes() -> dict[str, ParsedFeed | FeedError]:
    return {rel: run_case(rel) for rel in CASE_FILES}


@needs_cases
@pytest.mark.parametrize("rel", CASE_FILES or ["-"])
def test_case_gives_a_parsed_feed_or_a_feed_error(rel: str) -> None:
    outcome = run_case(rel)
    assert isinstance(outcome, ParsedFeed | FeedError)
    if isinstance(outcome, FeedError):
        assert outcome.reason in {"empty", "not_a_feed", "malformed"}
    else:
        assert outcome.warning_reason in {None, "malformed", "encoding", "content_type", "other"}
        assert (outcome.warning is None) == (outcome.warning_reason is None)


@needs_cases
def test_manifest_covers_the_cases() -> None:
    assert len(manifest()) >= 461
    assert set(manifest()) <= set(CASE_FILES)


@needs_cases
def test_well_formed_cases_are_read() -> None:
    """Every document of feedparser's ``wellformed`` set is read, except the three in Microsoft's
    Channel Definition Format (1997), which is neither RSS nor Atom."""
    errors = {
        rel: str(outcome)
        for rel, outcome in all_outcomes().items()
        if rel.startswith("tests/wellformed/") and isinstance(outcome, FeedError)
    }
    assert set(errors) == {
        "tests/wellformed/cdf/channel_abstract_map_description.xml",
        "tests/wellformed/cdf/channel_href_map_link.xml",
        "tests/wellformed/cdf/channel_lastmod_parsed.xml",
    }, errors


@needs_cases
def test_outcomes_by_reason() -> None:
    """Pinned so that a change in what parses shows up here (and in bench/feeds.py)."""
    tally = Counter(
        f"error:{o.reason}" if isinstance(o, FeedError) else f"ok:{o.warning_reason or 'clean'}"
        for o in all_outcomes().values()
    )
    assert tally["error:empty"] == 0
    assert tally["error:not_a_feed"] == 4  # three CDF documents and one JSON Feed
    assert tally["error:malformed"] <= 2
    parsed = sum(n for key, n in tally.items() if key.startswith("ok:"))
    assert parsed >= len(CASE_FILES) - 6, tally


# Codecs browsers (WHATWG) use in place of a declared one; parse_feed does the same.
SUPERSETS = {
    "iso8859-1": {"cp1252"},
    "ascii": {"cp1252"},
    "big5": {"big5hkscs", "cp950"},
    "euc_kr": {"cp949"},
    "gb2312": {"gb18030"},
    "gbk": {"gb18030"},
    "shift_jis": {"cp932"},
    "tis-620": {"cp874"},
}


@needs_cases
def test_encodings_match_feedparsers_expectations() -> None:
    """Where a case expects an encoding (BOMs, UTF-16/32, HTTP charsets, Big5, and the
    undeclared legacy encodings feedparser leaves to chardet), parse_feed decodes with it or with
    the superset browsers use."""
    checked = 0
    for rel, meta in manifest().items():
        match = re.search(r"encoding == '([^']+)'", str(meta["expect"]))
        outcome = all_outcomes()[rel]
        if not match or isinstance(outcome, FeedError):
            continue
        expected = codecs.lookup(match.group(1)).name
        ours = codecs.lookup(outcome.encoding).name
        assert ours in {expected} | SUPERSETS.get(expected, set()), (rel, expected, ours)
        checked += 1
    assert checked >= 70


@needs_cases
def test_chardet_cases_are_decoded() -> None:
    """feedparser needs chardet for these (not installed); parse_feed detects them itself."""
    koi8 = all_outcomes()["tests/illformed/chardet/koi8r.xml"]
    assert isinstance(koi8, ParsedFeed)
    assert koi8.entries[0].title == "Как пережить новогоднюю ночь"
    assert koi8.warning_reason == "encoding"


# ---------------------------------------------------------------------------------------------
# Real-world feeds; the expectations were written for rss-parser, so meaning is compared, not keys.


def _realworld_inputs() -> list[str]:
    return sorted(p.name for p in (REALWORLD / "input").iterdir()) if REALWORLD.is_dir() else []


def _norm(text: object) -> str | None:
    if not isinstance(text, str):
        return None
    return " ".join(html_to_text(text).split()) or None


@needs_realworld
@pytest.mark.parametrize("name", _realworld_inputs() or ["-"])
def test_realworld_feed(name: str) -> None:
    body = (REALWORLD / "input" / name).read_bytes()
    expected_file = REALWORLD / "output" / (Path(name).stem + ".json")
    if name == "unrecognized.rss":  # an HTML "Document Moved" page
        with pytest.raises(FeedError) as info:
            parse_feed(body, f"http://realworld.test/{name}")
        assert info.value.reason == "not_a_feed"
        return
    parsed = parse_feed(body, f"http://realworld.test/{name}")
    if not expected_file.exists():
        assert parsed.entries
        return
    raw = expected_file.read_bytes()
    try:
        expected = json.loads(raw.decode("utf-8"))["feed"]
    except UnicodeDecodeError:
        expected = json.loads(raw.decode("latin-1"))["feed"]
    items = expected.get("items", [])
    assert len(parsed.entries) + parsed.duplicates == len(items)
    assert parsed.title == _norm(expected.get("title"))
    for ours, theirs in zip(parsed.entries, items, strict=False):
        title = _norm(theirs.get("title"))
        if title is not None and "\ufffd" not in title:  # rss-parser mis-decoded one feed
            assert ours.title == title
        link = (theirs.get("link") or "").strip()
        if link.startswith(("http://", "https://")):
            assert ours.link == link
    pagination = expected.get("paginationLinks") or {}
    if "next" in pagination:
        assert parsed.next_url == pagination["next"]
