"""crawler.metadata and crawler.dates: JSON-LD, OpenGraph and date strings on small pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.dates import parse_datetime
from crawler.htmlinput import parse_html
from crawler.metadata import PageMetadata, normalise_language, page_metadata, split_authors

URL = "https://news.example.org/world/story-1"


def meta_of(head: str, body: str = "<p>text</p>", lang: str = "en") -> PageMetadata:
    page = f'<html lang="{lang}"><head>{head}</head><body>{body}</body></html>'
    return page_metadata(parse_html(page.encode()), URL)


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-15T14:30:00+05:00", datetime(2025, 3, 15, 9, 30, tzinfo=UTC)),
        ("2025-03-15T14:30:00+0530", datetime(2025, 3, 15, 9, 0, tzinfo=UTC)),
        ("2025-03-15T09:30:00.123Z", datetime(2025, 3, 15, 9, 30, tzinfo=UTC)),
        ("2025-03-15 09:30", datetime(2025, 3, 15, 9, 30, tzinfo=UTC)),
        ("2025-03-15", datetime(2025, 3, 15, tzinfo=UTC)),
        ("20250315", datetime(2025, 3, 15, tzinfo=UTC)),
        ("Sat, 15 Mar 2025 09:30:00 GMT", datetime(2025, 3, 15, 9, 30, tzinfo=UTC)),
        ("Sat, 15 Mar 2025 04:30:00 -0500", datetime(2025, 3, 15, 9, 30, tzinfo=UTC)),
        ("Fri Apr 28 19:20:36 CEST 2023", datetime(2023, 4, 28, 17, 20, 36, tzinfo=UTC)),
        ("1742031000", datetime(2025, 3, 15, 9, 30, tzinfo=UTC)),
        ("1742031000000", datetime(2025, 3, 15, 9, 30, tzinfo=UTC)),
        ("yesterday", None),
        ("2025-13-45", None),
        ("1970-01-01T00:00:00Z", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_datetime(text: str | None, expected: datetime | None) -> None:
    assert parse_datetime(text) == expected


@given(
    st.datetimes(
        min_value=datetime(1991, 1, 1),
        max_value=datetime(2099, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=5)), timezone(-timedelta(hours=4))]
        ),
    )
)
def test_parse_datetime_round_trips_iso(value: datetime) -> None:
    parsed = parse_datetime(value.isoformat())
    assert parsed == value.replace(microsecond=0)
    assert parsed is not None and parsed.tzinfo is UTC


@given(st.text(max_size=60))
def test_parse_datetime_never_raises(text: str) -> None:
    result = parse_datetime(text)
    assert result is None or result.tzinfo is UTC


def test_jsonld_graph_with_author_reference() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": URL, "datePublished": "2020-01-01T00:00:00Z"},
            {
                "@type": ["NewsArticle", "Article"],
                "headline": "Harbour reopens",
                "datePublished": "2025-01-05T06:00:00Z",
                "dateModified": "2025-01-05T08:00:00Z",
                "author": {"@id": "#writer"},
                "articleSection": ["Local", "News"],
                "inLanguage": "de-DE",
                "publisher": {"@id": "#org"},
            },
            {"@type": "Person", "@id": "#writer", "name": "Ada Field"},
            {"@type": "NewsMediaOrganization", "@id": "#org", "name": "Example News"},
        ],
    }
    meta = meta_of(ld(graph), lang="")
    assert meta.title == "Harbour reopens"
    assert meta.authors == ("Ada Field",)
    assert meta.published == datetime(2025, 1, 5, 6, tzinfo=UTC)
    assert meta.modified == datetime(2025, 1, 5, 8, tzinfo=UTC)
    assert meta.section == "Local"
    assert meta.language == "de"
    assert meta.site_name == "Example News"


def test_related_articles_nested_deeper_do_not_win() -> None:
    article = {
        "@type": "NewsArticle",
        "headline": "Main story",
        "datePublished": "2025-01-05T06:00:00Z",
        "relatedLink": [{"@type": "NewsArticle", "headline": "Other story", "author": "Z"}],
    }
    related_first = ld({"@type": "ItemList", "itemListElement": [{"@type": "NewsArticle"}]})
    meta = meta_of(related_first + ld(article))
    assert meta.title == "Main story"


def test_broken_jsonld_blocks_are_skipped() -> None:
    head = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
        '<script type="application/ld+json">//<![CDATA[\n'
        '{"@type": "NewsArticle", "headline": "Wrapped", "author": "By Ann Lee and Tom Ray"}'
        "\n//]]></script>"
    )
    meta = meta_of(head)
    assert meta.title == "Wrapped"
    assert meta.authors == ("Ann Lee", "Tom Ray")


@pytest.mark.parametrize("depth", [50, 100_000])
def test_deeply_nested_jsonld_is_ignored(depth: int) -> None:
    nested = "[" * depth + '{"@type": "NewsArticle", "headline": "Deep"}' + "]" * depth
    head = f'<script type="application/ld+json">{nested}</script><title>Shallow</title>'
    assert meta_of(head).title == "Shallow"


def test_opengraph_and_meta_fallbacks() -> None:
    head = (
        '<meta property="og:title" content="Rates on hold | Example News">'
        '<meta property="og:site_name" content="Example News">'
        '<meta property="og:url" content="/world/story-1?ref=og">'
        '<meta property="og:image" content="//cdn.example.org/a.jpg">'
        '<meta property="og:locale" content="fr_FR">'
        '<meta name="parsely-author" content="Ann Lee">'
        '<meta name="parsely-pub-date" content="2025-02-01T10:00:00Z">'
        '<meta name="parsely-section" content="Economy">'
        '<meta name="news_keywords" content="rates, banks , ,inflation">'
        '<meta name="description" content="  The bank kept\nrates unchanged. ">'
    )
    meta = meta_of(head, lang="")
    assert meta.title == "Rates on hold"
    assert meta.authors == ("Ann Lee",)
    assert meta.published == datetime(2025, 2, 1, 10, tzinfo=UTC)
    assert meta.section == "Economy"
    assert meta.tags == ("rates", "banks", "inflation")
    assert meta.description == "The bank kept rates unchanged."
    assert meta.canonical_url == "https://news.example.org/world/story-1?ref=og"
    assert meta.image_url == "https://cdn.example.org/a.jpg"
    assert meta.language == "fr"


def test_canonical_link_beats_og_url_and_bad_schemes_are_dropped() -> None:
    head = (
        '<link rel="canonical" href="https://news.example.org/canonical">'
        '<meta property="og:url" content="https://news.example.org/og">'
    )
    assert meta_of(head).canonical_url == "https://news.example.org/canonical"
    head = '<link rel="canonical" href="javascript:void(0)"><meta property="og:url" content="/og">'
    assert meta_of(head).canonical_url == "https://news.example.org/og"


def test_site_credited_in_jsonld_gives_way_to_a_named_author() -> None:
    head = (
        ld({"@type": "NewsArticle", "author": {"@type": "Organization", "name": "Example News"}})
        + '<meta property="og:site_name" content="Example News">'
        + '<meta name="author" content="Ann Lee">'
    )
    assert meta_of(head).authors == ("Ann Lee",)


def test_title_falls_back_to_h1_then_title_element() -> None:
    assert meta_of("", "<h1> Visible  headline </h1>").title == "Visible headline"
    assert meta_of("<title>Only the title - news.example.org</title>").title == "Only the title"


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("By Ann Lee", ["Ann Lee"]),
        ("Ann Lee and Tom Ray", ["Ann Lee", "Tom Ray"]),
        ("Von Felix Maier und Jana Roth, dpa", ["Felix Maier", "Jana Roth", "dpa"]),
        ("Ann Lee | Tom Ray", ["Ann Lee", "Tom Ray"]),
        ("https://www.facebook.com/example", []),
    ],
)
def test_split_authors(byline: str, names: list[str]) -> None:
    assert split_authors(byline) == names


@pytest.mark.parametrize(
    ("value", "code"),
    [("en-US", "en"), ("de_DE", "de"), ("FR", "fr"), ("eng", None), ("", None), (None, None)],
)
def test_normalise_language(value: str | None, code: str | None) -> None:
    assert normalise_language(value) == code
