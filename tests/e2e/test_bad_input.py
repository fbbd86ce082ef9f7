"""End to end: bad feeds and failing article pages never stop a crawl; each is counted."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import Project, write_sources
from tests.site import Site

pytestmark = pytest.mark.e2e


def test_failing_pages_are_stored_from_the_feed_and_counted(site: Site, project: Project) -> None:
    write_sources(project.sources, {"broken": [site.url("broken-news", "/feed.xml")]})
    project.crawl()

    stored = {a["title"]: a for a in project.json_lines("articles", "--limit", "50")}
    assert stored["Provincial assembly passes water budget"]["body_origin"] == "page"
    for title in [
        "Slow server story",
        "Redirect loop story",
        "Missing page story",
        "Server error story",
        "Annual report as PDF",
        "Compressed bomb",
        "Oversized page",
        "Story behind robots.txt",
        "Bulletin without a link",
    ]:
        assert stored[title]["body_origin"] == "feed", title
        assert stored[title]["body"], title
    assert len(stored) == 10

    [source] = project.json_lines("sources")
    assert source["last_outcome"] == "ok"
    reasons = source["failures_by_reason"]
    for reason in [
        "article_timeout",
        "article_redirect_loop",
        "article_http_404",
        "article_http_500",
        "article_not_html",
        "article_too_large",
        "article_robots_txt",
    ]:
        assert reasons.get(reason, 0) >= 1, (reason, reasons)
    # robots.txt was read, and the forbidden page never requested
    assert site.requests("broken-news", "/robots.txt")
    assert not site.requests("broken-news", "/private/")


def test_bad_feeds_are_recorded_and_the_rest_still_crawled(site: Site, project: Project) -> None:
    write_sources(
        project.sources,
        {
            "malformed": [site.url("broken-news", "/malformed.xml")],
            "html": [site.url("broken-news", "/notafeed.html")],
            "down": [site.url("broken-news", "/_test/status/500")],
            "limited": [site.url("broken-news", "/_test/status/503")],
        },
    )
    project.crawl()
    sources = {s["name"]: s for s in project.json_lines("sources")}
    assert sources["malformed"]["last_outcome"] == "ok"
    assert sources["malformed"]["articles_stored"] == 1
    assert sources["html"]["last_outcome"] == "failed"
    assert sources["html"]["failures_by_reason"] == {"not_a_feed": 1}
    assert sources["down"]["last_outcome"] == "failed"
    assert sources["down"]["failures_by_reason"] == {"http_500": 1}
    assert sources["down"]["consecutive_failures"] == 1
    assert "HTTP 500" in sources["down"]["last_error"]
    # a 503 with Retry-After: 3600 pushes the next poll back at least an hour
    assert sources["limited"]["next_due_at"] > sources["down"]["next_due_at"]
    titles = [a["title"] for a in project.json_lines("articles")]
    assert titles == ["Readable entry before the break"]


def test_unknown_source_is_a_usage_error_listing_valid_names(site: Site, project: Project) -> None:
    write_sources(project.sources, {"broken": [site.url("broken-news", "/feed.xml")]})
    result = project.scrapy("crawl", "feeds", "-a", "source=nope")
    assert result.returncode != 0
    assert "unknown source 'nope'" in result.stderr + result.stdout
    assert "valid names: broken" in result.stderr + result.stdout
    assert not site.requests()
