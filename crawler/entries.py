"""From feed entries to article items: which entries can be fetched, and the item of each.

Pure functions over ``crawler.feeds`` and ``crawler.extract`` results; no Scrapy import.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from crawler.extract import ExtractedArticle
from crawler.feeds import FeedEntry, ParsedFeed
from crawler.items import ArticleItem
from crawler.urls import InvalidURLError, canonicalize_url


@dataclass(frozen=True)
class EntryRef:
    """A feed entry with its identity: the canonical URL, and the URL to fetch (if any)."""

    entry: FeedEntry
    canonical_url: str
    fetchable_url: str | None


def _guid_url(guid: str | None) -> str | None:
    if guid and guid.startswith(("http://", "https://")):
        return guid
    return None


def entry_refs(
    parsed: ParsedFeed, feed_url: str, source: str
) -> tuple[list[EntryRef], Counter[str]]:
    """Identify each entry; entries with neither a usable link nor any text are rejected."""
    refs: list[EntryRef] = []
    rejected: Counter[str] = Counter()
    for entry in parsed.entries:
        link = entry.link or _guid_url(entry.guid)
        canonical: str | None = None
        if link:
            try:
                canonical = canonicalize_url(link, base=feed_url)
            except InvalidURLError:
                rejected["bad_link"] += 1
        if canonical is not None:
            refs.append(EntryRef(entry, canonical, canonical))
            continue
        text = entry.content or entry.summary or ""
        if not (entry.guid or entry.title) or not (text or entry.title):
            rejected["unusable"] += 1
            continue
        # No link: the entry can only be stored from the feed, under a stable made-up URL.
        key = entry.guid or f"{entry.title}\n{text}"
        digest = hashlib.sha256(f"{source}\n{key}".encode()).hexdigest()[:32]
        refs.append(EntryRef(entry, f"urn:newswatch:{source}:{digest}", None))
    return refs, rejected


def article_from_entry(source: str, ref: EntryRef, reason: str | None) -> ArticleItem:
    """The article as the feed alone tells it (``body_origin = feed``)."""
    entry = ref.entry
    return ArticleItem(
        source=source,
        url=entry.link or ref.fetchable_url or ref.canonical_url,
        link=entry.link,
        guid=entry.guid,
        title=entry.title,
        body=entry.content or entry.summary or "",
        body_origin="feed",
        authors=entry.authors,
        published_at=entry.published_at,
        updated_at=entry.updated_at,
        description=entry.summary,
        tags=entry.tags,
        image_url=entry.image_url,
        fetch_error=reason,
        canonical_url=ref.canonical_url,
    )


def article_from_page(
    source: str, ref: EntryRef, page: ExtractedArticle, final_url: str
) -> ArticleItem:
    """The article as its page tells it, with the feed entry's fields as fallback."""
    entry = ref.entry
    return ArticleItem(
        source=source,
        url=final_url,
        link=entry.link,
        guid=entry.guid,
        title=page.title or entry.title,
        body=page.body,
        body_origin="page",
        authors=page.authors or entry.authors,
        published_at=page.published_at or entry.published_at,
        updated_at=page.updated_at or entry.updated_at,
        language=page.language,
        description=page.description or entry.summary,
        section=page.section,
        tags=page.tags or entry.tags,
        image_url=page.image_url or entry.image_url,
        page_canonical_url=page.canonical_url,
        canonical_url=ref.canonical_url,
    )
