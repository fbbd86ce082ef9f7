"""End to end: `scrapy crawl feeds` against the fixture site, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import Project, write_sources
from tests.site import SITE_DIR, Site

pytestmark = pytest.mark.e2e


def configure(site: Site, project: Project) -> None:
    write_sources(
        project.sources,
        {
            "pk-daily": [site.url("pk-daily", "/feed.xml")],
            "wire-times": [site.url("wire-times", "/atom.xml")],
        },
    )


def test_first_crawl_stores_each_article_once(site: Site, project: Project) -> None:
    configure(site, project)
    project.crawl()
    articles = {a["canonical_url"]: a for a in project.json_lines("articles", "--limit", "100")}
    pk, wt = site.bases["pk-daily"], site.bases["wire-times"]
    assert sorted(articles) == sorted(
        [
            f"{pk}/pakistan-us-security-cooperation.html",
            f"{pk}/karachi-kites-win-thriller.html",
            f"{pk}/business/2025/03/10/state-bank-policy-rate-unchanged/",
            f"{pk}/live-video-briefing.html",
            f"{pk}/report.pdf",
            f"{wt}/euro-factory-output.html",
            f"{wt}/us-pakistan-security-partnership.html",
            f"{wt}/harbour-city-stun-northgate.html",
        ]
    )
    story = articles[f"{pk}/pakistan-us-security-cooperation.html"]
    # The syndicated copy names the original as its canonical URL: one article, whichever
    # source's copy arrived first.
    assert story["source"] in ("pk-daily", "wire-times")
    assert story["title"].startswith("Pakistan, US pledge closer cooperation")
    assert story["body_origin"] == "page"
    assert story["authors"] == ["Sana Mirza"]
    assert story["published_at"] == "2025-03-15T09:30:00Z"
    assert story["language"] == "en"
    assert "counterterrorism, cybercrime and border management" in story["body"]
    for chrome in ["LEAVE A REPLY", "Must Read", "Please enter your comment"]:
        assert chrome not in story["body"]
    assert articles[f"{pk}/live-video-briefing.html"]["body_origin"] == "feed"
    assert articles[f"{pk}/report.pdf"]["body_origin"] == "feed"
    # paging: page 2 was read because every entry on page 1 was new
    assert site.requests("pk-daily", "/feed-page2.xml")
    # the syndicated copy was fetched, recognised by its canonical URL, and not stored again
    assert site.requests("wire-times", "/syndicated/pk-story.html")
    # the same factory story reached through two feeds was fetched once
    assert len(site.requests("wire-times", "/euro-factory-output.html")) == 1


def test_second_crawl_requests_no_article_and_stores_nothing(site: Site, project: Project) -> None:
    configure(site, project)
    project.crawl()
    before = project.json_lines("articles", "--limit", "100")
    site.clear_log()
    project.crawl()
    hits = [h.path for h in site.requests() if not h.path.startswith("/robots.txt")]
    assert sorted(hits) == ["/atom.xml", "/feed.xml"]
    # conditional GET: both feeds answered 304 to the stored validators
    assert all(h.status == 304 for h in site.requests() if h.path in ("/atom.xml", "/feed.xml"))
    assert project.json_lines("articles", "--limit", "100") == before
    sources = {s["name"]: s for s in project.json_lines("sources")}
    assert sources["pk-daily"]["last_outcome"] == "ok"
    assert sources["pk-daily"]["articles_stored"] + sources["wire-times"]["articles_stored"] == 8


def test_changed_feed_fetches_only_the_new_entry(site: Site, project: Project) -> None:
    configure(site, project)
    project.crawl()
    original = (SITE_DIR / "wire-times" / "atom.xml").read_text()
    extra = """<entry>
    <title>Kites sign new captain</title>
    <link rel="alternate" href="{base:wire-times}/kites-captain.html"/>
    <id>urn:wire-times:5009</id>
    <updated>2025-03-18T08:00:00Z</updated>
    <summary>The Karachi Kites have named a new captain for the season, the club said.</summary>
  </entry>
  <entry>"""
    site.put("wire-times", "/atom.xml", original.replace("<entry>", extra, 1))
    site.clear_log()
    project.crawl("-a", "source=wire-times")
    pages = [h.path for h in site.requests("wire-times") if h.path.endswith(".html")]
    assert pages == ["/kites-captain.html"]  # 404 on the site: stored from the feed
    new = project.json_lines("articles", "--source", "wire-times", "--since", "1h")
    assert "Kites sign new captain" in [a["title"] for a in new]
    assert not site.requests("pk-daily")


def test_same_text_under_another_url_is_stored_once(site: Site, project: Project) -> None:
    page = (SITE_DIR / "pk-daily" / "pakistan-us-security-cooperation.html").read_text()
    copy = re.sub(r'<link rel="canonical"[^>]*>|<meta property="og:url"[^>]*>', "", page)
    site.put("broken-news", "/mirror/security-talks.html", copy)
    site.put(
        "broken-news",
        "/mirror.xml",
        "<rss version='2.0'><channel><title>Mirror</title><item><title>Security talks</title>"
        "<link>{base:broken-news}/mirror/security-talks.html</link><guid>m1</guid></item>"
        "</channel></rss>",
    )
    write_sources(project.sources, {"pk-daily": [site.url("pk-daily", "/feed.xml")]})
    project.crawl()
    write_sources(
        project.sources,
        {
            "pk-daily": [site.url("pk-daily", "/feed.xml")],
            "mirror": [site.url("broken-news", "/mirror.xml")],
        },
    )
    result = project.crawl("-a", "source=mirror")
    assert "is a duplicate (by content)" in result.stderr
    titles = [a["title"] for a in project.json_lines("articles", "--limit", "100")]
    assert (
        titles.count(
            "Pakistan, US pledge closer cooperation on counterterrorism and border management"
        )
        == 1
    )
    assert project.json_lines("articles", "--source", "mirror") == []
    # The mirror URL now leads to the stored article: the next crawl does not fetch it again.
    site.clear_log()
    project.crawl("-a", "source=mirror")
    assert not site.requests("broken-news", "/mirror/")
