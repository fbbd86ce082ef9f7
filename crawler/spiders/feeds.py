"""The ``feeds`` spider: reads each source's feeds, fetches the pages of new entries only.

Settings: ``NEWSWATCH_SOURCES`` (the sources file), ``NEWSWATCH_MAX_FEED_PAGES``,
``NEWSWATCH_RUN_ID``, ``NEWSWATCH_LEASE_SECONDS``; argument ``-a source=NAME[,NAME...]``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from crawler.database import close_database, database_for
from crawler.entries import EntryRef, article_from_entry, article_from_page, entry_refs
from crawler.extract import NoTextError, NotHTMLError, extract_article
from crawler.failures import failure_message, failure_reason
from crawler.feeds import FeedError, ParsedFeed, parse_feed
from crawler.health import SourceHealth
from crawler.items import ArticleItem
from crawler.recorder import finish_crawl, retry_after
from settings.sources import Source, load_sources
from storage import articles, feeds, runs
from storage.schedule import claim_sources, lease_owner_for_run
from storage.types import utcnow

logger = logging.getLogger(__name__)

STAT = "newswatch"


class UnknownSourceError(ValueError):
    """``-a source=`` named a source that is not in the sources file."""


def select_sources(sources: list[Source], wanted: str | None) -> list[Source]:
    """The sources a crawl covers: the named ones, or every enabled source."""
    if not wanted:
        return [source for source in sources if source.enabled]
    by_name = {source.name: source for source in sources}
    names = [name.strip() for name in wanted.split(",") if name.strip()]
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise UnknownSourceError(
            f"unknown source {', '.join(map(repr, unknown))}; valid names: "
            + ", ".join(sorted(by_name))
        )
    return [by_name[name] for name in dict.fromkeys(names)]


class FeedsSpider(scrapy.Spider):
    """Crawl feeds into stored articles; every request is tagged with its source."""

    name = "feeds"

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # One download slot per source carries its own rate limit (download_delay).
        slots = {}
        for source in load_sources(Path(settings["NEWSWATCH_SOURCES"])):
            slot: dict[str, Any] = {
                "concurrency": settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
            }
            if source.download_delay is not None:
                slot["delay"] = source.download_delay
            slots[source.name] = slot
        settings.set("DOWNLOAD_SLOTS", slots, priority="spider")

    def __init__(self, source: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.wanted = source
        self.sources: dict[str, Source] = {}
        self.health: dict[str, SourceHealth] = {}
        self.source_ids: dict[str, int] = {}
        self.scheduled: set[str] = set()  # canonical URLs requested in this crawl
        self.owner = ""  # set from the crawl run's id when the crawl starts
        self.run_id = 0
        self.max_pages = 1
        self.lease = timedelta(hours=2)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FeedsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, FeedsSpider)
        settings = crawler.settings
        configured = load_sources(Path(settings["NEWSWATCH_SOURCES"]))
        spider.sources = {s.name: s for s in select_sources(configured, spider.wanted)}
        spider.max_pages = settings.getint("NEWSWATCH_MAX_FEED_PAGES")
        spider.lease = timedelta(seconds=settings.getint("NEWSWATCH_LEASE_SECONDS"))
        spider.run_id = settings.getint("NEWSWATCH_RUN_ID")
        return spider

    def count(self, key: str, value: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"{STAT}/{key}", value)

    async def start(self) -> AsyncIterator[Any]:
        for request in self._feed_requests():
            yield request

    def _feed_requests(self) -> Iterator[Request]:
        db = database_for(self.crawler)
        now = utcnow()
        names = list(self.sources)
        with db.sessions.begin() as session:
            for source in self.sources.values():
                self.source_ids[source.name] = articles.source_id(session, source.name)
                for url in source.feeds:
                    feeds.ensure_feed(session, self.source_ids[source.name], url)
            # The lease owner names the run, so whoever finds the run dead can release it.
            if not (self.run_id and runs.attach_run(session, self.run_id, names)):
                self.run_id = runs.start_run(session, names, now)
            self.owner = lease_owner_for_run(self.run_id)
            claimed = claim_sources(session, names, owner=self.owner, lease=self.lease, now=now)
            runs.attach_run(session, self.run_id, claimed)
            urls = [url for name in claimed for url in self.sources[name].feeds]
            validators = feeds.feed_validators(session, urls)
        for name in names:
            if name not in claimed:
                logger.warning("source %s: skipped, another crawl holds its lease", name)
                self.count("sources/skipped_leased")
        for name in claimed:
            self.health[name] = SourceHealth()
            for url in self.sources[name].feeds:
                headers = {}
                known = validators.get(url)
                if known and known.etag:
                    headers["If-None-Match"] = known.etag
                if known and known.last_modified:
                    headers["If-Modified-Since"] = known.last_modified
                yield self._feed_request(name, url, page=1, headers=headers)

    def _feed_request(
        self, source: str, url: str, *, page: int, headers: dict[str, str] | None = None
    ) -> Request:
        return Request(
            url,
            callback=self.parse_feed,
            errback=self.feed_failed,
            headers=headers,
            dont_filter=True,
            meta={
                "source": source,
                "feed_url": url,
                "page": page,
                "download_slot": source,
                "handle_httpstatus_all": True,
            },
        )

    def parse_feed(self, response: Response) -> Iterator[Any]:
        source: str = response.meta["source"]
        feed_url: str = response.meta["feed_url"]
        page: int = response.meta["page"]
        health = self.health[source]
        db = database_for(self.crawler)
        if response.status == 304:
            self.count("feeds/not_modified")
            health.feed_ok(not_modified=True)
            with db.sessions.begin() as session:
                feeds.record_feed_success(
                    session, feed_url, status=304, now=utcnow(), etag=None,
                    last_modified=None, ttl_minutes=None,
                )  # fmt: skip
            return
        if response.status != 200:
            yield from self._feed_error(response, f"http_{response.status}", page)
            return
        content_type = _header(response, "Content-Type")
        try:
            parsed = parse_feed(response.body, response.url, content_type=content_type)
        except FeedError as error:
            yield from self._feed_error(response, error.reason, page, message=str(error))
            return
        self.count("feeds/fetched")
        if parsed.warning:
            self.count("feeds/warnings")
            logger.warning("source %s: feed %s: %s", source, response.url, parsed.warning)
        if page == 1:
            health.feed_ok()
            with db.sessions.begin() as session:
                feeds.record_feed_success(
                    session,
                    feed_url,
                    status=response.status,
                    now=utcnow(),
                    etag=_header(response, "ETag"),
                    last_modified=_header(response, "Last-Modified"),
                    ttl_minutes=parsed.ttl_minutes,
                    warning=parsed.warning,
                )
        yield from self._entries(source, parsed, response.url, page)

    def _feed_error(
        self, response: Response, reason: str, page: int, message: str | None = None
    ) -> Iterator[Any]:
        source: str = response.meta["source"]
        message = message or f"HTTP {response.status}"
        logger.warning("source %s: feed %s failed: %s", source, response.url, message)
        self.count(f"feeds/failed/{reason}")
        if page > 1:  # a broken next page loses nothing already read
            self.health[source].failures[reason] += 1
            return
        self.health[source].failure(reason, f"{response.url}: {message}", feed=True)
        until = retry_after(response, utcnow()) if response.status in (429, 503) else None
        if until is not None:
            current = self.health[source].retry_after
            self.health[source].retry_after = until if current is None else max(current, until)
        with database_for(self.crawler).sessions.begin() as session:
            feeds.record_feed_failure(
                session, response.meta["feed_url"], error=message, now=utcnow(),
                status=response.status, retry_after_until=until,
            )  # fmt: skip
        yield from ()

    def feed_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        source: str = request.meta["source"]
        reason, message = failure_reason(failure), failure_message(failure)
        logger.warning("source %s: feed %s failed: %s", source, request.url, message)
        self.count(f"feeds/failed/{reason}")
        if request.meta["page"] > 1:
            self.health[source].failures[reason] += 1
            return
        self.health[source].failure(reason, f"{request.url}: {message}", feed=True)
        with database_for(self.crawler).sessions.begin() as session:
            feeds.record_feed_failure(
                session, request.meta["feed_url"], error=message, now=utcnow()
            )

    def _entries(self, source: str, parsed: ParsedFeed, feed_url: str, page: int) -> Iterator[Any]:
        refs, rejected = entry_refs(parsed, feed_url, source)
        self.count("entries/seen", len(parsed.entries))
        for reason, count in rejected.items():
            self.count(f"entries/skipped/{reason}", count)
        if parsed.duplicates:
            self.count("entries/skipped/duplicate_guid", parsed.duplicates)
        db = database_for(self.crawler)
        with db.sessions.begin() as session:
            known = articles.known_urls(session, [ref.canonical_url for ref in refs])
            guids = [ref.entry.guid for ref in refs if ref.entry.guid]
            known_guids = articles.known_guids(session, self.source_ids[source], guids)
            changed = articles.stale_articles(
                session,
                {
                    ref.canonical_url: ref.entry.updated_at
                    for ref in refs
                    if ref.canonical_url in known and ref.entry.updated_at is not None
                },
            )
        fresh = [
            ref
            for ref in refs
            if ref.canonical_url not in known and (ref.entry.guid or "") not in known_guids
        ]
        self.count("entries/known", len(refs) - len(fresh))
        for ref in refs:
            article_id = changed.get(ref.canonical_url)
            if (
                article_id is not None
                and ref.fetchable_url
                and ref.canonical_url not in self.scheduled
            ):
                self.scheduled.add(ref.canonical_url)
                self.count("entries/updated")
                yield self._article_request(source, ref, update_of=article_id)
        for ref in fresh:
            if ref.canonical_url in self.scheduled:
                continue
            self.scheduled.add(ref.canonical_url)
            yield self._article_request(source, ref)
        if fresh and len(fresh) == len(refs) and parsed.next_url and page < self.max_pages:
            self.count("feeds/next_pages")
            yield self._feed_request(source, parsed.next_url, page=page + 1)

    def _article_request(self, source: str, ref: EntryRef, update_of: int | None = None) -> Any:
        if update_of is None and ref.fetchable_url is None:
            reason = "offsite" if ref.entry.link else "no_link"
            self.count(f"articles/from_feed/{reason}")
            return article_from_entry(source, ref, reason)
        assert ref.fetchable_url is not None
        if update_of is None and not self._on_source(source, ref.fetchable_url):
            self.count("articles/from_feed/offsite")
            return article_from_entry(source, ref, "offsite")
        return Request(
            ref.fetchable_url,
            callback=self.parse_article,
            errback=self.article_failed,
            # Identity is checked above; Scrapy's dupefilter would silently drop a redirect
            # back to a URL already seen (and with it the entry).
            dont_filter=True,
            meta={"source": source, "download_slot": source, "entry": ref, "update_of": update_of},
        )

    def _on_source(self, source: str, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.sources[source].domains)

    def parse_article(self, response: Response) -> ArticleItem | None:
        source: str = response.meta["source"]
        ref: EntryRef = response.meta["entry"]
        update_of: int | None = response.meta.get("update_of")
        content_type = _header(response, "Content-Type")
        encoding = response.encoding if isinstance(response, TextResponse) else None
        try:
            page = extract_article(
                response.body, response.url, content_type=content_type, encoding=encoding
            )
        except NotHTMLError as error:
            return self._page_unusable(source, ref, response.url, "not_html", error, update_of)
        except NoTextError as error:
            return self._page_unusable(source, ref, response.url, "no_text", error, update_of)
        self.count("articles/from_page")
        item = article_from_page(source, ref, page, response.url)
        if update_of is not None:
            item.update_of = update_of
            # Remember the entry's time too, so an unchanged page is not fetched again.
            times = [t for t in (item.updated_at, ref.entry.updated_at) if t is not None]
            item.updated_at = max(times) if times else None
        return item

    def _page_unusable(
        self,
        source: str,
        ref: EntryRef,
        url: str,
        reason: str,
        error: Exception,
        update_of: int | None = None,
    ) -> ArticleItem | None:
        self.count(f"articles/failed/{reason}")
        self.health[source].failures[f"article_{reason}"] += 1
        if update_of is not None:  # the stored version stands; the next change retries
            logger.warning("source %s: updated article %s: %s; kept as stored", source, url, error)
            return None
        logger.warning("source %s: article %s: %s; stored from the feed", source, url, error)
        return article_from_entry(source, ref, reason)

    def article_failed(self, failure: Failure) -> ArticleItem | None:
        request = failure.request  # type: ignore[attr-defined]
        source: str = request.meta["source"]
        reason = failure_reason(failure)
        if request.meta.get("update_of") is not None:
            logger.warning(
                "source %s: updated article %s failed (%s); kept as stored",
                source, request.url, failure_message(failure),
            )  # fmt: skip
            self.count(f"articles/failed/{reason}")
            return None
        logger.warning(
            "source %s: article %s failed (%s); stored from the feed",
            source, request.url, failure_message(failure),
        )  # fmt: skip
        self.count(f"articles/failed/{reason}")
        self.health[source].failures[f"article_{reason}"] += 1
        return article_from_entry(source, request.meta["entry"], reason)

    def closed(self, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = {
            key: value
            for key, value in self.crawler.stats.get_stats().items()
            if isinstance(value, int | float | str) and not key.startswith("start_time")
        }
        try:
            finish_crawl(
                database_for(self.crawler),
                run_id=self.run_id,
                sources=self.sources,
                health=self.health,
                owner=self.owner,
                stats=stats,
                reason=reason,
                now=utcnow(),
            )
        finally:
            close_database(self.crawler)
        _log_summary(self.health, stats)


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _log_summary(health: dict[str, SourceHealth], stats: dict[str, Any]) -> None:
    totals: Counter[str] = Counter()
    for key, value in stats.items():
        if key.startswith(f"{STAT}/") and isinstance(value, int):
            totals[key[len(STAT) + 1 :]] = value
    logger.info(
        "crawl finished: %d sources, %d feeds fetched, %d not modified, %d entries seen, "
        "%d new articles, %d duplicates",
        len(health),
        totals["feeds/fetched"],
        totals["feeds/not_modified"],
        totals["entries/seen"],
        totals["articles/new"],
        totals["articles/duplicate/url"] + totals["articles/duplicate/content"],
    )
