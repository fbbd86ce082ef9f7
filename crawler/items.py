"""The item a crawl yields: one article, from its page or (when the page failed) its feed entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class ArticleItem:
    """An article on its way to storage; identity fields are filled by the identify pipeline."""

    source: str
    url: str  # the entry's link (or the page's final URL after redirects)
    link: str | None  # the entry's link as the feed gave it
    guid: str | None
    title: str | None
    body: str
    body_origin: str  # "page" or "feed"
    authors: tuple[str, ...] = ()
    published_at: datetime | None = None
    updated_at: datetime | None = None
    language: str | None = None
    description: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    image_url: str | None = None
    page_canonical_url: str | None = None  # <link rel=canonical> as read from the page
    fetch_error: str | None = None  # why the page was not used, when body_origin is "feed"
    canonical_url: str = ""
    content_hash: str | None = None
    aliases: list[str] = field(default_factory=list)  # other canonical URLs that reach it
    update_of: int | None = None  # a stored article whose entry changed: this is its new version
