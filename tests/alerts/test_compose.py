"""The alert and digest e-mails, checked exactly; escaping of everything taken from an article."""

from __future__ import annotations

import datetime as dt
import html
import re
from email import message_from_bytes, policy
from email.message import EmailMessage

from hypothesis import given
from hypothesis import strategies as st

from alerts.compose import (
    Item,
    alert_message_id,
    compose_alert,
    compose_digest,
    digest_message_id,
    highlight_html,
    highlight_text,
    list_id,
    slug,
    spans,
)

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
FROM = "newswatch <alerts@newswatch.test>"

ITEM = Item(
    headline="Acme posts record profit",
    url="https://news.example/acme-profit",
    source="Example News",
    published_at=dt.datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
    matched_at=NOW,
    snippet="Acme Corp said on Friday that profit rose",
    highlights=((0, 4),),
    terms=("acme",),
    other_sources=("Wire Service", "Daily Post"),
)

EXPECTED_TEXT = """\
Acme posts record profit
https://news.example/acme-profit
Source: Example News
Published: 2026-11-28 09:30 UTC
Matched: acme

  [Acme] Corp said on Friday that profit rose

Also reported by: Wire Service, Daily Post

--\x20
You receive this as a recipient of the newswatch watch "Acme".
"""

EXPECTED_HTML = """\
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>[Acme] Acme posts record profit</title></head>
<body style="font-family:sans-serif">
<h2 style="margin:0 0 4px"><a href="https://news.example/acme-profit">Acme posts record profit</a></h2>
<p style="margin:0;color:#555">Example News &middot; 2026-11-28 09:30 UTC</p>
<p style="margin:4px 0;color:#555">Matched: acme</p>
<blockquote style="margin:8px 0;padding-left:8px;border-left:3px solid #ccc"><mark>Acme</mark> Corp said on Friday that profit rose</blockquote>
<p style="margin:4px 0">Also reported by: Wire Service, Daily Post</p>
<p style="color:#888;font-size:small">You receive this as a recipient of the newswatch watch &quot;Acme&quot;.</p>
</body></html>
"""  # noqa: E501 - the exact HTML, one element a line


def reparse(message: EmailMessage) -> EmailMessage:
    """What the recipient's client sees: the message as bytes on the wire, parsed again."""
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    page = message.get_body(("html",))
    assert isinstance(text, EmailMessage) and isinstance(page, EmailMessage)
    return text.get_content(), page.get_content()


def alert(item: Item = ITEM, watch: str = "Acme", alert_id: int = 1) -> EmailMessage:
    return reparse(
        compose_alert(
            item,
            watch_name=watch,
            recipient="ana@example.org",
            mail_from=FROM,
            message_id=alert_message_id(alert_id, watch),
            now=NOW,
        )
    )


def test_alert_message_exactly() -> None:
    message = alert()

    assert [(k, str(v)) for k, v in message.items() if k != "Content-Type"] == [
        ("Subject", "[Acme] Acme posts record profit"),
        ("From", FROM),
        ("To", "ana@example.org"),
        ("Date", "Sat, 28 Nov 2026 10:00:00 +0000"),
        ("Message-ID", "<alert-1.acme@newswatch>"),
        ("List-Id", '"Acme" <acme.newswatch>'),
        ("Auto-Submitted", "auto-generated"),
        ("X-Newswatch-Watch", "Acme"),
        ("MIME-Version", "1.0"),
    ]
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert [p.get("MIME-Version") for p in message.iter_parts()] == [None, None]
    assert parts(message) == (EXPECTED_TEXT, EXPECTED_HTML)


def test_message_ids_come_from_database_ids_only() -> None:
    assert alert_message_id(42, "Acme Earnings!") == "<alert-42.acme-earnings@newswatch>"
    assert alert_message_id(42, "Acme Earnings!") == alert_message_id(42, "Acme Earnings!")
    assert digest_message_id(7, "Ümlaut Wätch") == "<digest-7.umlaut-watch@newswatch>"
    assert list_id('Odd "name"\r\nBcc: x@y') == '"Odd name Bcc: x@y" <odd-name-bcc-x-y.newswatch>'
    assert slug("!!!") == "watch"


def test_headline_with_html_arrives_as_text() -> None:
    evil = "<script>alert('x')</script> & <b>bold</b>"
    item = Item(
        headline=evil,
        url='https://news.example/a?x=1&y="2"',
        source="<i>Source</i>",
        published_at=None,
        matched_at=NOW,
        snippet="<img src=x onerror=alert(1)> profit",
        highlights=((29, 35),),  # "profit"
        terms=("<profit>",),
        other_sources=("<b>Other</b>",),
    )
    message = alert(item)
    text, page = parts(message)

    assert message["Subject"] == f"[Acme] {evil}"
    assert text.splitlines()[0] == evil  # plain text: shown as it is, nothing to interpret
    assert "<script" not in page and "<img" not in page and "<i>" not in page
    assert "<b>" not in page
    assert html.escape(evil) in page
    assert '<a href="https://news.example/a?x=1&amp;y=&quot;2&quot;">' in page
    assert "&lt;img src=x onerror=alert(1)&gt; <mark>profit</mark>" in page
    assert "Published: unknown" in text


def test_unsafe_link_is_not_linked() -> None:
    item = Item(
        headline="Click",
        url="javascript:alert(1)",
        source="S",
        published_at=None,
        matched_at=NOW,
    )
    _, page = parts(alert(item))
    assert "<a " not in page
    assert "javascript:" not in page.split("<body", 1)[1].split("</h2>", 1)[0]


def test_header_injection_through_headline_is_flattened() -> None:
    item = Item(
        headline="Profit\r\nBcc: everyone@example.org\n",
        url="https://news.example/x",
        source="S",
        published_at=None,
        matched_at=NOW,
    )
    message = alert(item)
    assert message["Bcc"] is None
    assert message["Subject"] == "[Acme] Profit Bcc: everyone@example.org"


def digest_items() -> list[Item]:
    def item(n: int, source: str, hour: int) -> Item:
        return Item(
            headline=f"Acme story {n}",
            url=f"https://news.example/{n}",
            source=source,
            published_at=dt.datetime(2026, 11, 28, hour, 0, tzinfo=UTC),
            matched_at=NOW,
            snippet=f"Acme did thing {n}",
            highlights=((0, 4),),
            terms=("acme",),
        )

    return [item(1, "Wire", 6), item(2, "Daily", 8), item(3, "Wire", 7)]


EXPECTED_DIGEST_TEXT = """\
newswatch digest for Acme
3 new matches from 2 sources: Wire 2, Daily 1

1. Acme story 2
   https://news.example/2
   Source: Daily
   Published: 2026-11-28 08:00 UTC
   Matched: acme

     [Acme] did thing 2

2. Acme story 3
   https://news.example/3
   Source: Wire
   Published: 2026-11-28 07:00 UTC
   Matched: acme

     [Acme] did thing 3

3. Acme story 1
   https://news.example/1
   Source: Wire
   Published: 2026-11-28 06:00 UTC
   Matched: acme

     [Acme] did thing 1

--\x20
You receive this as a recipient of the newswatch watch "Acme".
"""


def test_digest_message_exactly() -> None:
    message = reparse(
        compose_digest(
            digest_items(),
            watch_name="Acme",
            recipient="ana@example.org",
            mail_from=FROM,
            message_id=digest_message_id(5, "Acme"),
            now=NOW,
        )
    )
    text, page = parts(message)

    assert message["Subject"] == "[Acme] Digest: 3 new matches"
    assert message["Message-ID"] == "<digest-5.acme@newswatch>"
    assert message["List-Id"] == '"Acme" <acme.newswatch>'
    assert text == EXPECTED_DIGEST_TEXT
    assert "<p>3 new matches from 2 sources: Wire 2, Daily 1</p>" in page
    links = re.findall(r'<a href="([^"]+)">', page)
    assert links == ["https://news.example/2", "https://news.example/3", "https://news.example/1"]


def test_digest_of_one_says_match() -> None:
    message = compose_digest(
        digest_items()[:1],
        watch_name="Acme",
        recipient="ana@example.org",
        mail_from=FROM,
        message_id=digest_message_id(5, "Acme"),
        now=NOW,
    )
    assert message["Subject"] == "[Acme] Digest: 1 new match"


def test_highlights_tolerate_junk_and_overlaps() -> None:
    snippet = "alpha beta gamma"
    junk = [[6, 10], [0, 5], [3, 8], [-4, 2], [14, 99], [9, 9], "x", [1], [True, 3], [2.0, 4]]
    assert spans(snippet, junk) == [(0, 10), (14, 16)]
    assert highlight_text(snippet, junk) == "[alpha beta] gam[ma]"
    assert highlight_html("a<b", [[1, 2]]) == "a<mark>&lt;</mark>b"


@given(
    st.text(max_size=60),
    st.lists(st.tuples(st.integers(-5, 70), st.integers(-5, 70)), max_size=6),
)
def test_highlighted_html_is_the_snippet_escaped(
    snippet: str, pairs: list[tuple[int, int]]
) -> None:
    rendered = highlight_html(snippet, pairs)
    without_marks = rendered.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in without_marks and ">" not in without_marks
    assert html.unescape(without_marks) == snippet
    marked = re.findall(r"<mark>(.*?)</mark>", rendered, flags=re.DOTALL)
    assert [html.unescape(m) for m in marked] == [snippet[a:b] for a, b in spans(snippet, pairs)]
