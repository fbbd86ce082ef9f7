"""End to end: the same story across sources, one alert per story, and updated articles."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import Message

import pytest

from tests.e2e.helpers import Project, write_sources
from tests.site import SITE_DIR, Site

pytestmark = pytest.mark.e2e

PK_TITLE = "Pakistan, US pledge closer cooperation on counterterrorism and border management"
WIRE_TITLE = "US and Pakistan to expand security partnership, target terror financing"


def configure(site: Site, project: Project) -> None:
    # Without the syndicated copy (it names PK Daily's URL as canonical, so whichever source
    # fetched it first would own the article): each source here carries its own version.
    feed = (SITE_DIR / "wire-times" / "atom.xml").read_text()
    syndicated = re.compile(
        r"<entry>(?:(?!</entry>).)*syndicated/pk-story(?:(?!</entry>).)*</entry>", re.S
    )
    site.put("wire-times", "/atom.xml", syndicated.sub("", feed))
    write_sources(
        project.sources,
        {
            "pk-daily": [site.url("pk-daily", "/feed.xml")],
            "wire-times": [site.url("wire-times", "/atom.xml")],
        },
    )


def _text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def test_wire_copies_share_a_story_and_alert_once(site: Site, project: Project) -> None:
    configure(site, project)
    project.crawl()
    articles = {a["title"]: a for a in project.json_lines("articles", "--limit", "100")}
    pk, wire = articles[PK_TITLE], articles[WIRE_TITLE]
    assert pk["story_id"] is not None
    assert pk["story_id"] == wire["story_id"]  # the edited copy joins the first one's story
    others = [a for t, a in articles.items() if t not in (PK_TITLE, WIRE_TITLE)]
    assert all(a["story_id"] not in (None, pk["story_id"]) for a in others)

    [story] = [s for s in project.json_lines("stories") if s["story_id"] == pk["story_id"]]
    assert story["size"] == 2
    assert sorted(story["sources"]) == ["pk-daily", "wire-times"]

    # Both copies match "counterterrorism"; the story alerts its recipient once.
    matches = project.json_lines("matches", "--watch", "counterterrorism", "--limit", "50")
    assert len(matches) == 2
    alerts = project.json_lines("alerts", "--watch", "counterterrorism")
    assert len(alerts) == 1

    result = project.scrapy("alerts", "--send")
    assert result.returncode == 0, result.stderr[-2000:]
    [eml] = (project.data_dir / "outbox").glob("alert-*.counterterrorism@newswatch.eml")
    message = message_from_bytes(eml.read_bytes())
    text = _text(message)
    assert "Also reported by:" in text
    first, other = ("pk-daily", "wire-times")
    assert first in text and other in text
    assert "**counterterrorism**" in text or "[counterterrorism]" in text


def test_changed_article_is_stored_as_a_new_version_and_alerts_once(
    site: Site, project: Project
) -> None:
    configure(site, project)
    project.crawl()
    assert project.json_lines("matches", "--watch", "money-laundering") == []

    page = (SITE_DIR / "wire-times" / "us-pakistan-security-partnership.html").read_text()
    added = (
        "<p>Officials said the two sides would also pool intelligence on money laundering "
        "through exchange companies, a channel investigators have long struggled to trace.</p>\n"
    )
    marker = "<p>The Pakistani side was led"
    assert marker in page
    site.put(
        "wire-times", "/us-pakistan-security-partnership.html", page.replace(marker, added + marker)
    )
    feed = site.overrides[("wire-times", "/atom.xml")][0].decode()
    site.put(
        "wire-times", "/atom.xml", feed.replace("2025-03-15T10:12:00Z", "2030-01-01T00:00:00Z")
    )

    site.clear_log()
    result = project.crawl("-a", "source=wire-times")
    assert "stored as version 2, newly matches money-laundering" in result.stderr
    # only the changed entry's page was fetched again
    pages = [h.path for h in site.requests("wire-times") if h.path.endswith(".html")]
    assert pages == ["/us-pakistan-security-partnership.html"]
    [wire] = [
        a for a in project.json_lines("articles", "--limit", "100") if a["title"] == WIRE_TITLE
    ]
    assert "money laundering through exchange companies" in wire["body"]
    assert len(project.json_lines("matches", "--watch", "money-laundering")) == 1
    assert len(project.json_lines("alerts", "--watch", "money-laundering")) == 1
    assert len(project.json_lines("alerts", "--watch", "counterterrorism")) == 1

    # The alert says what the update changed.
    assert project.scrapy("alerts", "--send").returncode == 0
    [eml] = (project.data_dir / "outbox").glob("alert-*.money-laundering@newswatch.eml")
    text = _text(message_from_bytes(eml.read_bytes()))
    assert "Updated (version 2). New text: Officials said the two sides would also pool" in text

    # The same entry again: no fetch, no new version, nothing new to send.
    site.clear_log()
    project.crawl("-a", "source=wire-times")
    assert not [h for h in site.requests("wire-times") if h.path.endswith(".html")]
    assert len(project.json_lines("alerts", "--watch", "money-laundering")) == 1
