"""parse_feed on bytes: the fixture feeds' stated expectations, each kind of bad input, encodings,
the HTML-to-text conversion, and properties over untrusted bytes."""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.feeds import FeedError, ParsedFeed, html_to_text, parse_feed
from tests.fixtures.feeds import generate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
FEED_URL = "http://pk-daily.test/feed/"
FIXTURE_FILES = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".xml", ".html"))


# ---------------------------------------------------------------------------------------------
# Fixtures state their expectation in a leading comment, as feedparser's own test files do.


@dataclass(frozen=True)
class Header:
    description: str
    expect: str
    content_type: str | None
    url: str


def read_header(path: Path) -> Header:
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, b"<\x00")):
        text = data.decode("utf-16-le").lstrip("\ufeff")
    elif data.startswith((codecs.BOM_UTF16_BE, b"\x00<")):
        text = data.decode("utf-16-be").lstrip("\ufeff")
    else:
        text = data.decode("latin-1")  # the comments are ASCII in every fixture
    comment = re.search(r"<!--(.*?)-->", text, re.DOTALL)
    assert comment, f"{path.name} has no leading comment"
    values: dict[str, str] = {}
    key = ""
    for line in comment.group(1).splitlines():
        match = re.match(r"([A-Z][\w-]*):\s*(.*)", line)
        if match:
            key = match.group(1)
            values[key] = match.group(2)
        elif key and line.strip():
            values[key] += " " + line.strip()
    return Header(
        description=values.get("Description", ""),
        expect=values.get("Expect", ""),
        content_type=values.get("Content-Type"),
        url=values.get("URL", FEED_URL),
    )


def check_expectation(parsed: ParsedFeed, expect: str, name: str) -> None:
    namespace = {f.name: getattr(parsed, f.name) for f in fields(parsed)}
    namespace |= {"datetime": datetime, "UTC": UTC}
    env = {"__builtins__": {"len": len, "any": any, "all": all}}
    if eval(expect, env, namespace):
        return
    failed = []
    for clause in re.split(r"\s+and\s+(?=[a-z_\[(])", expect):
        try:
            if not eval(clause, env, namespace):
                failed.append(clause)
        except SyntaxError:
            continue
    pytest.fail(f"{name}: expectation not met: {failed or expect}\n{parsed}")


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture_meets_its_stated_expectation(path: Path) -> None:
    header = read_header(path)
    assert header.description, f"{path.name} has no Description"
    assert header.expect, f"{path.name} has no Expect"
    error = re.fullmatch(r"FeedError\('(\w+)'\)", header.expect)
    if error:
        with pytest.raises(FeedError) as info:
            parse_feed(path.read_bytes(), header.url, content_type=header.content_type)
        assert info.value.reason == error.group(1)
        return
    parsed = parse_feed(path.read_bytes(), header.url, content_type=header.content_type)
    check_expectation(parsed, header.expect, path.name)


def test_generated_fixtures_are_current() -> None:
    for name, data in generate.render().items():
        assert (FIXTURES / name).read_bytes() == data, (
            f"run tests/fixtures/feeds/generate.py ({name})"
        )


def test_each_kind_of_bad_input_has_a_fixture() -> None:
    names = {p.name for p in FIXTURE_FILES}
    for needed in (
        "malformed_partial.xml",
        "html_page.html",
        "utf16le_bom.xml",
        "big5.xml",
        "latin1_declared_utf8_body.xml",
        "utf8_declared_latin1_body.xml",
        "missing_link_title.xml",
        "duplicate_guids.xml",
        "empty_channel.xml",
        "paged_page1.xml",
        "paged_page2.xml",
        "paged_page3.xml",
    ):
        assert needed in names


def test_paged_feed_chain_ends() -> None:
    seen: list[str | None] = []
    url: str | None = FEED_URL
    pages = {FEED_URL: "paged_page1.xml"} | {
        f"http://pk-daily.test/feed/?paged={n}": f"paged_page{n}.xml" for n in (2, 3)
    }
    while url is not None:
        parsed = parse_feed((FIXTURES / pages[url]).read_bytes(), url)
        seen.extend(e.guid for e in parsed.entries)
        url = parsed.next_url
    assert seen == [f"http://pk-daily.test/?p={n}" for n in range(6, 0, -1)]


# ---------------------------------------------------------------------------------------------
# Bad input: each raises FeedError with a reason, or returns what it can with a warning.


def rss(items: str = "", channel: str = "<title>T</title>", declaration: str = "") -> bytes:
    return (
        f'{declaration}<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"'
        ' xmlns:media="http://search.yahoo.com/mrss/"'
        ' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
        f"<channel>{channel}{items}</channel></rss>"
    ).encode()


@pytest.mark.parametrize("body", [b"", b"   \r\n\t", b"\n"])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(FeedError) as info:
        parse_feed(body, FEED_URL)
    assert info.value.reason == "empty"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<!DOCTYPE html><html><head><title>x</title></head><body><p>Hi</p></body></html>", None),
        (b"<html><body><p>Hi<p>there</body></html>", "text/html"),
        (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', None),
        (b"<p>Just a fragment</p>", "text/html; charset=utf-8"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "application/json"),
        (
            b'<?xml version="1.0"?><urlset><url><loc>http://pk-daily.test/</loc></url></urlset>',
            None,
        ),
        (b"User-agent: *\nDisallow: /\n", "text/plain"),
    ],
)
def test_not_a_feed(body: bytes, content_type: str | None) -> None:
    with pytest.raises(FeedError) as info:
        parse_feed(body, FEED_URL, content_type=content_type)
    assert info.value.reason == "not_a_feed"


def test_feed_served_as_html_is_still_read() -> None:
    body = rss("<item><title>A</title><link>http://pk-daily.test/a</link></item>")
    parsed = parse_feed(body, FEED_URL, content_type="text/html; charset=utf-8")
    assert [e.title for e in parsed.entries] == ["A"]
    assert parsed.warning_reason == "content_type"
    assert parsed.warning


def test_truncated_feed_keeps_the_entries_before_the_cut() -> None:
    body = rss(
        "".join(f"<item><title>E{n}</title><guid>g{n}</guid></item>" for n in range(5))
    ).replace(b"<item><title>E4", b"<item><title>E4<")[:-40]
    parsed = parse_feed(body, FEED_URL)
    assert [e.title for e in parsed.entries][:4] == ["E0", "E1", "E2", "E3"]
    assert parsed.warning_reason == "malformed"


def test_broken_feed_without_entries_is_returned_with_a_warning() -> None:
    # Undefined entity, no items: the channel is still read; an empty result, not an error.
    parsed = parse_feed(b"<rss><channel><title>A &bogus; B</title></channel></rss>", FEED_URL)
    assert parsed.entries == ()
    assert parsed.warning_reason == "malformed"
    assert parsed.title is not None


def test_never_fetches_or_opens_what_the_body_names(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("feedparser tried to fetch")

    monkeypatch.setattr(feedparser.http, "get", no_network)
    for body in (b"http://127.0.0.1:9/feed.xml", b"feed://pk-daily.test/feed"):
        with pytest.raises(FeedError):
            parse_feed(body, FEED_URL)
    local = tmp_path / "feed.xml"
    local.write_bytes(rss("<item><title>secret</title></item>"))
    with pytest.raises(FeedError):
        parse_feed(str(local).encode(), FEED_URL)


def test_duplicates_are_counted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    items = "".join(f"<item><title>{n}</title><guid>same</guid></item>" for n in range(3))
    with caplog.at_level(logging.INFO, logger="crawler.feeds"):
        parsed = parse_feed(rss(items), FEED_URL)
    assert parsed.duplicates == 2
    assert [e.title for e in parsed.entries] == ["0"]
    assert any(FEED_URL in r.getMessage() and r.args for r in caplog.records)


# ---------------------------------------------------------------------------------------------
# Encodings


def test_text_xml_without_charset_is_utf8_by_rfc_7303() -> None:
    body = "<rss><channel><title>Zürich</title></channel></rss>".encode()
    parsed = parse_feed(body, FEED_URL, content_type="text/xml")
    assert parsed.title == "Zürich"
    assert parsed.warning is None


def test_http_charset_wins_over_the_declaration() -> None:
    body = rss("", "<title>Новости</title>", '<?xml version="1.0" encoding="utf-8"?>')
    body = body.decode().encode("windows-1251")
    parsed = parse_feed(body, FEED_URL, content_type="application/rss+xml; charset=windows-1251")
    assert parsed.title == "Новости"
    assert codecs.lookup(parsed.encoding).name == "cp1251"


def test_explicit_encoding_overrides_every_declaration() -> None:
    body = rss("", "<title>Новости</title>", '<?xml version="1.0" encoding="iso-8859-1"?>')
    body = body.decode().encode("windows-1251")
    parsed = parse_feed(
        body, FEED_URL, content_type="text/xml; charset=iso-8859-1", encoding="windows-1251"
    )
    assert parsed.title == "Новости"
    assert parsed.warning is None


def test_unusable_explicit_encoding_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    body = rss("", "<title>Zürich</title>")
    with caplog.at_level(logging.WARNING, logger="crawler.feeds"):
        parsed = parse_feed(body, FEED_URL, encoding="no-such-codec")
    assert parsed.title == "Zürich"
    assert "no-such-codec" in caplog.text


@pytest.mark.parametrize(
    ("codec", "title", "summary"),
    [
        ("koi8-r", "Парламент принял бюджет", "Депутаты приняли бюджет после ночного заседания."),
        ("shift_jis", "国会が予算案を可決", "徹夜の審議の末、国会は早朝に予算案を可決した。"),
        ("big5", "立法院通過預算案", "經過整夜辯論，預算案於清晨通過。反對黨兩度離席。"),
        ("euc-kr", "국회 예산안 통과", "밤샘 토론 끝에 국회는 새벽에 예산안을 통과시켰다."),
        ("latin-1", "Les députés votent le budget", "Après une séance de nuit, à l'aube."),
    ],
)
def test_undeclared_legacy_encodings_are_detected(codec: str, title: str, summary: str) -> None:
    body = rss(f"<item><title>{title}</title><description>{summary}</description></item>")
    parsed = parse_feed(body.decode().encode(codec), FEED_URL)
    assert (parsed.entries[0].title, parsed.entries[0].summary) == (title, summary)
    assert parsed.warning_reason == "encoding"


def test_big5_declaration_reads_hkscs_characters() -> None:
    title = "香港啲嘢㗎"  # the last character is in HKSCS only
    body = rss("", f"<title>{title}</title>", '<?xml version="1.0" encoding="big5"?>')
    parsed = parse_feed(body.decode().encode("big5hkscs"), FEED_URL)
    assert parsed.title == title
    assert parsed.warning is None


def test_stray_invalid_byte_in_utf8_is_replaced() -> None:
    body = rss("<item><title>Zürich – café</title></item>", "<title>Köln</title>")
    body = body.replace(b"caf\xc3\xa9", b"caf\xe9")
    parsed = parse_feed(body, FEED_URL)
    assert parsed.title == "Köln"
    assert parsed.entries[0].title == "Zürich – caf\ufffd"
    assert parsed.warning_reason == "encoding"


def test_false_utf16_declaration_is_ignored() -> None:
    body = rss("", "<title>Zürich</title>", '<?xml version="1.0" encoding="utf-16"?>')
    parsed = parse_feed(body, FEED_URL)
    assert parsed.title == "Zürich"
    assert parsed.warning_reason == "encoding"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("bom", [True, False])
def test_utf16_and_utf32(codec: str, bom: bool) -> None:
    text = '<?xml version="1.0"?><rss><channel><title>Zürich 東京</title></channel></rss>'
    body = ("\ufeff" if bom else "") + text
    parsed = parse_feed(body.encode(codec), FEED_URL)
    assert parsed.title == "Zürich 東京"


# ---------------------------------------------------------------------------------------------
# Fields


def test_links_resolve_against_the_feed_url_with_or_without_content_type() -> None:
    items = (
        "<item><title>a</title><link>/2024/a</link>"
        '<enclosure url="img/a.jpg" type="image/jpeg" length="1"/></item>'
    )
    channel = '<title>T</title><atom:link rel="next" href="?paged=2"/>'
    for content_type in (None, "application/rss+xml"):
        parsed = parse_feed(rss(items, channel), FEED_URL, content_type=content_type)
        assert parsed.entries[0].link == "http://pk-daily.test/2024/a"
        assert parsed.entries[0].image_url == "http://pk-daily.test/feed/img/a.jpg"
        assert parsed.next_url == "http://pk-daily.test/feed/?paged=2"


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "mailto:desk@pk-daily.test", "ftp://pk-daily.test/x"]
)
def test_non_http_links_are_dropped(link: str) -> None:
    parsed = parse_feed(rss(f"<item><title>a</title><link>{link}</link></item>"), FEED_URL)
    assert parsed.entries[0].link is None


@pytest.mark.parametrize(
    ("ttl", "expected"), [("15", 15), (" 60 ", 60), ("0", 0), ("abc", None), ("-5", None)]
)
def test_ttl(ttl: str, expected: int | None) -> None:
    assert parse_feed(rss("", f"<title>T</title><ttl>{ttl}</ttl>"), FEED_URL).ttl_minutes == (
        expected
    )


def test_dates_are_aware_utc_or_none() -> None:
    items = (
        "<item><title>a</title><pubDate>Tue, 05 Mar 2024 23:30:00 -0300</pubDate></item>"
        "<item><title>b</title><pubDate>not a date</pubDate></item>"
    )
    first, second = parse_feed(rss(items), FEED_URL).entries
    assert first.published_at == datetime(2024, 3, 6, 2, 30, tzinfo=UTC)
    assert first.published_at is not None and first.published_at.tzinfo is UTC
    assert second.published_at is None


@pytest.mark.parametrize(
    ("item", "image"),
    [
        ('<media:thumbnail url="http://pk-daily.test/t.jpg"/>', "http://pk-daily.test/t.jpg"),
        ('<media:content url="http://pk-daily.test/v.mp4" type="video/mp4"/>', None),
        ('<media:content url="http://pk-daily.test/p.webp"/>', "http://pk-daily.test/p.webp"),
        ('<enclosure url="http://pk-daily.test/a.mp3" type="audio/mpeg" length="1"/>', None),
        ('<itunes:image href="http://pk-daily.test/cover.png"/>', "http://pk-daily.test/cover.png"),
        (
            '<media:content url="http://pk-daily.test/v.mp4" medium="video"/>'
            '<media:content url="http://pk-daily.test/i.jpg" medium="image"/>',
            "http://pk-daily.test/i.jpg",
        ),
    ],
)
def test_image_url(item: str, image: str | None) -> None:
    parsed = parse_feed(rss(f"<item><title>a</title>{item}</item>"), FEED_URL)
    assert parsed.entries[0].image_url == image


def test_title_markup_and_whitespace() -> None:
    items = "<item><title>  Budget\n  &lt;em&gt;passed&lt;/em&gt; &amp;amp; signed </title></item>"
    assert parse_feed(rss(items), FEED_URL).entries[0].title == "Budget passed & signed"


# ---------------------------------------------------------------------------------------------
# HTML to text


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("<p>Line<br>break</p>", "Line\nbreak"),
        ("Lead <b>bold</b>\n  text <a href='x'>link</a>.", "Lead bold text link."),
        ("<ul><li>a</li><li>b</li></ul>tail", "a\n\nb\n\ntail"),
        ("<div><div><p>deep</p></div>after</div>", "deep\n\nafter"),
        ("<p>a<script>x()</script><style>p{}</style>b</p><!-- note -->c", "ab\n\nc"),
        ("Fish &amp; chips&nbsp;&#8212; &lt;tag&gt;", "Fish & chips — <tag>"),
        ("plain text, no markup", "plain text, no markup"),
        ("a < b and c > d", "a < b and c > d"),
        ("bad\x00control\x07chars <b>x</b>", "badcontrolchars x"),
        ("", ""),
        ("<p> </p><br><p></p>", ""),
        ("<table><tr><td>1</td><td>2</td></tr></table>", "1\n\n2"),
    ],
)
def test_html_to_text(markup: str, text: str) -> None:
    assert html_to_text(markup) == text


def test_html_to_text_survives_deep_nesting() -> None:
    assert html_to_text("<div>" * 200 + "deep" + "</div>" * 200) == "deep"
    # libxml2 drops what is nested deeper than about 255 levels; no RecursionError either way.
    assert html_to_text("<div>" * 5000 + "deep" + "</div>" * 5000) in ("deep", "")


@given(st.text(max_size=300))
def test_html_to_text_never_fails(markup: str) -> None:
    text = html_to_text(markup)
    assert "\n\n\n" not in text
    assert text == text.strip()


# ---------------------------------------------------------------------------------------------
# Untrusted bytes: a ParsedFeed or a FeedError, never anything else.


def _parse_or_feed_error(body: bytes, content_type: str | None = None) -> None:
    try:
        parsed = parse_feed(body, FEED_URL, content_type=content_type)
    except FeedError as error:
        assert error.reason in {"empty", "not_a_feed", "malformed"}
    else:
        assert isinstance(parsed, ParsedFeed)


def test_feedparser_bug_becomes_a_feed_error(caplog: pytest.LogCaptureFixture) -> None:
    # feedparser passes a declared charset name holding a NUL to bytes.decode: ValueError.
    with pytest.raises(FeedError) as info:
        parse_feed(b'<?xml version="1.0" encoding="utf\x008"?><rss/>', FEED_URL)
    assert info.value.reason == "malformed"
    assert FEED_URL in caplog.text


@settings(deadline=None)
@given(
    st.binary(max_size=500),
    st.sampled_from([None, "application/rss+xml", "text/xml", "text/html; charset=big5"]),
)
def test_arbitrary_bytes(body: bytes, content_type: str | None) -> None:
    _parse_or_feed_error(body, content_type)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIXTURE_FILES), st.data())
def test_truncated_or_corrupted_fixtures(path: Path, data: st.DataObject) -> None:
    body = path.read_bytes()
    cut = data.draw(st.integers(0, len(body)))
    flip = data.draw(st.integers(0, max(len(body) - 1, 0)))
    value = data.draw(st.integers(0, 255))
    _parse_or_feed_error(body[:cut])
    if body:
        _parse_or_feed_error(body[:flip] + bytes([value]) + body[flip + 1 :])
