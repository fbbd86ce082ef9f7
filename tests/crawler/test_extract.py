"""crawler.extract on bytes: the fixture pages against their expected JSON, chrome, bad input."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import trafilatura
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.chrome import is_chrome_line
from crawler.extract import (
    FULL_PASS_BELOW_CHARS,
    ExtractedArticle,
    NoTextError,
    NotHTMLError,
    extract_article,
)
from crawler.htmlinput import decode_html

SITE = Path(__file__).resolve().parent.parent / "fixtures" / "site"
BASE = "http://127.0.0.1:8000"
EXPECTED = sorted(
    p for host in ("pk-daily", "wire-times") for p in (SITE / host).glob("*.expected.json")
)
ERRORS = {"NotHTMLError": NotHTMLError, "NoTextError": NoTextError}


def page_bytes(path: Path) -> bytes:
    """A fixture file as the test server sends it: {base:HOST} placeholders filled in."""
    return re.sub(rb"\{base:[a-z0-9-]+\}", BASE.encode(), path.read_bytes())


def fixture(expected_path: Path) -> tuple[bytes, str, dict[str, Any]]:
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    name = expected_path.name.removesuffix(".expected.json")
    suffix = Path(expected["url_path"]).suffix
    body = page_bytes(expected_path.with_name(name + suffix))
    return body, BASE + expected["url_path"], expected


def html_page(body: str, head: str = "", lang: str = "en") -> str:
    return f'<!DOCTYPE html><html lang="{lang}"><head>{head}</head><body>{body}</body></html>'


STORY = "".join(
    f"<p>{sentence}</p>"
    for sentence in (
        "The river authority opened the new flood barrier on Tuesday after four years of work.",
        "Engineers said the gates could be closed in under ten minutes when water levels rise.",
        "Residents of the lower town, flooded twice in the last decade, welcomed the project.",
        "The council will publish a maintenance plan and the first inspection report in June.",
    )
)


# --- the fixture pages -----------------------------------------------------------------------


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.parent.name + "/" + p.stem)
def test_fixture_page_matches_expected_json(expected_path: Path) -> None:
    body, url, expected = fixture(expected_path)
    content_type = "application/pdf" if url.endswith(".pdf") else "text/html; charset=utf-8"
    if "error" in expected:
        with pytest.raises(ERRORS[expected["error"]]):
            extract_article(body, url, content_type=content_type)
        return

    article = extract_article(body, url, content_type=content_type, encoding="utf-8")

    assert article.title == expected["title"]
    assert article.authors == tuple(expected["authors"])
    assert article.published_at == datetime.fromisoformat(expected["published_at"])
    assert article.updated_at == datetime.fromisoformat(expected["updated_at"])
    assert article.language == expected["language"]
    assert article.section == expected["section"]
    assert article.tags == tuple(expected["tags"])
    assert article.description == expected["description"]
    for key in ("canonical_url", "image_url"):
        want = urljoin(url, expected[key]) if expected[key] else None
        assert getattr(article, key) == want, key
    for sentence in expected["body_must_contain"]:
        assert sentence in article.body
    for chrome in expected["body_must_not_contain"]:
        assert chrome not in article.body, chrome


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.parent.name + "/" + p.stem)
def test_fixture_page_needs_no_http_headers(expected_path: Path) -> None:
    """Magic bytes and <meta charset> are enough; Content-Type is only a hint."""
    body, url, expected = fixture(expected_path)
    if "error" in expected:
        with pytest.raises(ERRORS[expected["error"]]):
            extract_article(body, url)
    else:
        assert (
            extract_article(body, url).body
            == extract_article(
                body, url, content_type="text/html", encoding=expected.get("encoding", "utf-8")
            ).body
        )


def test_body_paragraphs_are_separated_by_blank_lines() -> None:
    body, url, _ = fixture(SITE / "pk-daily" / "karachi-kites-win-thriller.expected.json")
    paragraphs = extract_article(body, url).body.split("\n\n")
    assert len(paragraphs) == 7
    assert all(p.strip() == p and "\n" not in p for p in paragraphs)
    assert paragraphs[0].startswith("KARACHI: Karachi Kites kept their play-off hopes alive")


def test_times_are_aware_utc() -> None:
    body, url, _ = fixture(SITE / "pk-daily" / "pakistan-us-security-cooperation.expected.json")
    article = extract_article(body, url)
    assert article.published_at is not None and article.updated_at is not None
    assert article.published_at.utcoffset() == article.updated_at.utcoffset() == UTC.utcoffset(None)
    # the page says 14:30+05:00
    assert article.published_at == datetime(2025, 3, 15, 9, 30, tzinfo=UTC)


def test_wire_story_is_a_near_copy_of_the_pk_daily_story() -> None:
    pk_body, pk_url, _ = fixture(
        SITE / "pk-daily" / "pakistan-us-security-cooperation.expected.json"
    )
    wt_body, wt_url, _ = fixture(
        SITE / "wire-times" / "us-pakistan-security-partnership.expected.json"
    )
    pk, wt = extract_article(pk_body, pk_url), extract_article(wt_body, wt_url)
    assert pk.title != wt.title

    def words(text: str) -> set[str]:
        return set(re.findall(r"\w+", text.lower()))

    shared = words(pk.body) & words(wt.body)
    assert len(shared) / len(words(pk.body) | words(wt.body)) > 0.85


def test_article_is_frozen() -> None:
    body, url, _ = fixture(SITE / "pk-daily" / "karachi-kites-win-thriller.expected.json")
    article = extract_article(body, url)
    with pytest.raises(AttributeError):
        article.title = "changed"  # type: ignore[misc]


# --- chrome ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "LEAVE A REPLY",
        "Please enter your comment!",
        "Please enter your name here",
        "You have entered an incorrect email address!",
        "Must Read",
        "Related Articles",
        "Share this article",
        "Facebook Twitter WhatsApp Email",
        "Subscribe to our newsletter",
        "- Advertisement -",
    ],
)
def test_chrome_lines_are_recognised(line: str) -> None:
    assert is_chrome_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Share prices fell sharply on Monday.",
        "Related talks will resume next week, officials said.",
        "Readers were asked to leave a reply by Friday, the council said in its notice.",
        "Must reads for the summer include three novels by local authors.",
    ],
)
def test_article_sentences_are_not_chrome(line: str) -> None:
    assert not is_chrome_line(line)


def test_chrome_blocks_are_removed_from_a_small_page() -> None:
    page = html_page(
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        "<article><h1>Flood barrier opens</h1>"
        f"<div class='entry-content'>{STORY}</div></article>"
        "<div id='comments'><div id='respond'><h3>LEAVE A REPLY</h3><form id='commentform'>"
        "<textarea></textarea><div>Please enter your comment!</div></form></div></div>"
        "<div class='td-main-sidebar'><h4>Must Read</h4><p>KARACHI: A teaser sentence from "
        "another story about the harbour and its container traffic last month...</p></div>"
        "<div class='newsletter-box'><h3>Subscribe to our newsletter</h3></div>"
    )
    article = extract_article(page.encode(), "https://example.org/flood-barrier")
    assert "four years of work" in article.body
    for chrome in ("LEAVE A REPLY", "Please enter", "Must Read", "teaser", "Subscribe", "Home"):
        assert chrome not in article.body


# --- the fast pass and the full cascade ------------------------------------------------------


def _passes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record the ``fast`` argument of every trafilatura call made by the extractor."""
    calls: list[bool] = []
    real = trafilatura.bare_extraction

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["fast"])
        return real(*args, **kwargs)

    monkeypatch.setattr(trafilatura, "bare_extraction", spy)
    return calls


def test_long_article_is_extracted_by_the_fast_pass_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    body, url, expected = fixture(
        SITE / "pk-daily" / "pakistan-us-security-cooperation.expected.json"
    )
    calls = _passes(monkeypatch)
    article = extract_article(body, url)
    assert calls == [True]
    assert len(article.body) >= FULL_PASS_BELOW_CHARS
    for sentence in expected["body_must_contain"]:
        assert sentence in article.body
    for chrome in expected["body_must_not_contain"]:
        assert chrome not in article.body, chrome


def test_short_text_gets_the_full_cascade(monkeypatch: pytest.MonkeyPatch) -> None:
    page = html_page(f"<article><h1>Flood barrier opens</h1>{STORY}</article>")
    calls = _passes(monkeypatch)
    article = extract_article(page.encode(), "https://example.org/flood-barrier")
    assert calls == [True, False]
    assert "four years of work" in article.body


def test_table_dominated_text_gets_the_full_cascade(monkeypatch: pytest.MonkeyPatch) -> None:
    def table(province: str) -> str:
        return (
            "<table>"
            + "".join(
                f"<tr><td>{province} district {n}</td><td>{n * 1234} voters</td></tr>"
                for n in range(30)
            )
            + "</table>"
        )

    page = html_page(
        "<article><h1>Voter lists</h1><p>The commission published the final lists.</p>"
        f"{table('Sindh')}{table('Punjab')}</article>"
    )
    calls = _passes(monkeypatch)
    article = extract_article(page.encode(), "https://example.org/voters")
    assert calls == [True, False]
    assert "Punjab district 7" in article.body


# --- bad input -------------------------------------------------------------------------------


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("article.html", html_page(STORY))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        pytest.param((SITE / "pk-daily" / "report.pdf").read_bytes(), None, "PDF", id="pdf"),
        pytest.param(
            (SITE / "pk-daily" / "report.pdf").read_bytes(), "text/html", "PDF", id="pdf-as-html"
        ),
        pytest.param(b"\n\n%PDF-1.7\n%...", None, "PDF", id="pdf-after-whitespace"),
        pytest.param(_png(), None, "PNG", id="png"),
        pytest.param(_png(), "text/html; charset=utf-8", "PNG", id="png-as-html"),
        pytest.param(b"GIF89a\x01\x00\x01\x00\x80\x00\x00", None, "GIF", id="gif"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", None, "JPEG", id="jpeg"),
        pytest.param(_zip(), None, "ZIP", id="zip"),
        pytest.param(gzip.compress(html_page(STORY).encode()), None, "gzip", id="gzip"),
        pytest.param(html_page(STORY).encode(), "application/pdf", "application/pdf", id="type"),
        pytest.param(html_page(STORY).encode(), "image/png", "image/png", id="image-type"),
        pytest.param(b"\x00\x01\x02\x03binary\x00data" * 20, None, "binary", id="nul-bytes"),
        pytest.param(b'{"headline": "Not a page", "body": "json"}', None, "markup", id="json"),
        pytest.param(b"Just some plain text without tags.", None, "markup", id="text"),
        pytest.param(
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
            None,
            "rss",
            id="rss-feed",
        ),
        pytest.param(b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>', None, "feed", id="atom"),
    ],
)
def test_not_html_is_refused_with_a_clear_error(
    body: bytes, content_type: str | None, reason: str
) -> None:
    with pytest.raises(NotHTMLError, match=re.escape(reason)) as raised:
        extract_article(body, "https://example.org/x", content_type=content_type)
    assert str(raised.value).startswith("not an HTML page")
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"  \r\n ", id="whitespace"),
        pytest.param(b"<html></html>", id="empty-html"),
        pytest.param(html_page("").encode(), id="empty-body"),
        pytest.param(
            html_page(
                "<header><nav><a href='/'>Home</a> <a href='/world'>World</a></nav></header>"
                "<div id='comments'><h3>LEAVE A REPLY</h3><form id='commentform'><textarea>"
                "</textarea><div>Please enter your comment!</div><div>Please enter your name "
                "here</div></form></div><footer>© 2025 Example News</footer>"
            ).encode(),
            id="boilerplate-only",
        ),
    ],
)
def test_page_without_text_raises_no_text(body: bytes) -> None:
    with pytest.raises(NoTextError):
        extract_article(body, "https://example.org/empty")


# --- encodings -------------------------------------------------------------------------------

WESTERN = "Café owners said the “new rules” would cost them €1,200 a year — too much."


def western_page(meta: str) -> str:
    return html_page(f"<article><h1>Café rules</h1><p>{WESTERN}</p>{STORY}</article>", meta)


@pytest.mark.parametrize(
    ("meta", "encoding"),
    [
        pytest.param('<meta charset="windows-1252">', None, id="meta-charset"),
        pytest.param(
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">',
            None,
            id="meta-http-equiv",
        ),
        pytest.param("", "windows-1252", id="http-header"),
        pytest.param('<meta charset="iso-8859-1">', None, id="latin1-label-means-cp1252"),
        pytest.param('<meta charset="utf-8">', None, id="declared-utf8-wrong"),
        pytest.param("", "utf-8", id="header-utf8-wrong"),
    ],
)
def test_windows_1252_page(meta: str, encoding: str | None) -> None:
    body = western_page(meta).encode("windows-1252")
    article = extract_article(body, "https://example.org/cafe", encoding=encoding)
    assert WESTERN in article.body


def test_utf8_page_declared_as_latin1_is_read_as_utf8() -> None:
    body = western_page('<meta charset="iso-8859-1">').encode("utf-8")
    assert WESTERN in extract_article(body, "https://example.org/cafe").body
    assert WESTERN in extract_article(body, "https://example.org/cafe", encoding="latin-1").body


def test_http_charset_wins_over_meta_charset() -> None:
    russian = "Городской совет утвердил новый бюджет на строительство дорог и мостов."
    page = html_page(f"<article><h1>Бюджет</h1><p>{russian}</p>{STORY}</article>")
    body = page.replace("<head>", '<head><meta charset="iso-8859-5">').encode("koi8-r")
    assert russian in extract_article(body, "https://example.org/ru", encoding="koi8-r").body


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_unicode_encodings_with_and_without_bom(codec: str) -> None:
    body = western_page("").encode(codec)
    if codec == "utf-16-le":
        body = codecs.BOM_UTF16_LE + body
    assert WESTERN in extract_article(body, "https://example.org/cafe").body


def test_unknown_charset_falls_back_to_utf8() -> None:
    body = western_page('<meta charset="x-no-such-charset">').encode("utf-8")
    article = extract_article(body, "https://example.org/cafe", encoding="bogus")
    assert WESTERN in article.body


def test_control_characters_do_not_break_extraction() -> None:
    body = western_page("").replace("Café owners", "Café\x0b owners\x01").encode()
    assert "owners said the" in extract_article(body, "https://example.org/cafe").body


def test_decode_html_follows_the_documented_order() -> None:
    page = "<html><head><meta charset='windows-1251'></head><body>Ж</body></html>"
    assert "Ж" in decode_html(page.encode("windows-1251"))
    assert "Ж" in decode_html(page.encode("koi8-r"), encoding="koi8-r")
    assert "Ж" in decode_html(codecs.BOM_UTF8 + page.encode("utf-8"), encoding="koi8-r")


# --- metadata details ------------------------------------------------------------------------


def test_offsets_become_utc_and_naive_dates_are_utc() -> None:
    head = (
        '<meta property="article:published_time" content="2025-01-02T08:15:00+05:00">'
        '<meta property="article:modified_time" content="2025-01-02T09:00:00">'
    )
    article = extract_article(html_page(STORY, head).encode(), "https://example.org/a")
    assert article.published_at == datetime(2025, 1, 2, 3, 15, tzinfo=UTC)
    assert article.updated_at == datetime(2025, 1, 2, 9, 0, tzinfo=UTC)


def test_jsonld_beats_opengraph_for_dates_and_authors() -> None:
    ld = {
        "@context": "https://schema.org",
        "@type": "ReportageNewsArticle",
        "headline": "Barrier opens on time",
        "datePublished": "2025-02-01T10:00:00+01:00",
        "author": [
            {"@type": "Person", "name": "Ada Field"},
            {"@type": "Person", "name": "Ben Stone"},
        ],
        "keywords": "floods, infrastructure",
    }
    head = (
        f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        '<meta property="article:published_time" content="2025-02-03T00:00:00Z">'
        '<meta name="author" content="Desk Editor">'
        '<meta property="og:title" content="Barrier opens on time | Example News">'
    )
    article = extract_article(html_page(STORY, head).encode(), "https://example.org/a")
    assert article.title == "Barrier opens on time"
    assert article.authors == ("Ada Field", "Ben Stone")
    assert article.published_at == datetime(2025, 2, 1, 9, 0, tzinfo=UTC)
    assert article.tags == ("floods", "infrastructure")


def test_feed_of_fields_missing_gives_none_not_errors() -> None:
    article = extract_article(html_page(STORY, "", lang="").encode(), "https://example.org/a")
    assert isinstance(article, ExtractedArticle)
    assert article.authors == () and article.tags == ()
    assert article.published_at is None and article.canonical_url is None
    assert article.language is None


# --- property: untrusted input ---------------------------------------------------------------


def _check_only_documented_errors(
    body: bytes, content_type: str | None, encoding: str | None
) -> None:
    try:
        article = extract_article(
            body, "https://example.org/p", content_type=content_type, encoding=encoding
        )
    except (NotHTMLError, NoTextError):
        return
    assert isinstance(article.body, str) and article.body
    assert article.published_at is None or article.published_at.tzinfo is not None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.binary(max_size=4096),
    content_type=st.none() | st.sampled_from(["text/html", "application/pdf", "text/plain", ""]),
    encoding=st.none() | st.sampled_from(["utf-8", "windows-1252", "utf-16", "bogus", ""]),
)
def test_arbitrary_bytes_raise_only_documented_errors(
    body: bytes, content_type: str | None, encoding: str | None
) -> None:
    _check_only_documented_errors(body, content_type, encoding)


_TAGS = st.sampled_from(
    ["p", "div", "article", "h1", "script", "meta", "title", "aside", "span", "table", "li"]
)
_MARKUP_PIECES = st.one_of(
    st.text(max_size=80),
    _TAGS.map(lambda t: f"<{t}>"),
    _TAGS.map(lambda t: f"</{t}>"),
    st.sampled_from(
        [
            '<script type="application/ld+json">',
            '{"@type": "NewsArticle", "author": {"@id": "#x"}, "datePublished": "2025-13-45"}',
            '<meta property="article:published_time" content="',
            '<meta charset="',
            "<!DOCTYPE html>",
            "<html>",
            "<body>",
            "&#0;",
            "\x00",
            "\ufeff",
        ]
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(_MARKUP_PIECES, max_size=40), codec=st.sampled_from(["utf-8", "utf-16"]))
def test_arbitrary_markup_raises_only_documented_errors(pieces: list[str], codec: str) -> None:
    body = "".join(pieces).encode(codec, errors="surrogatepass")
    _check_only_documented_errors(body, "text/html", None)
