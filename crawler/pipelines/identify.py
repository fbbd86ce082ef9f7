"""Identify each article once, early: its canonical URL (entry link, then the page's
``<link rel=canonical>``) and the hash of its normalised body."""

from __future__ import annotations

import contextlib
import logging
from urllib.parse import urlsplit

from crawler.fingerprint import content_hash
from crawler.items import ArticleItem
from crawler.urls import InvalidURLError, canonicalize_url

logger = logging.getLogger(__name__)


def _page_canonical(item: ArticleItem) -> str | None:
    """The page's own canonical URL, unless it is unusable (a home page, not http)."""
    if not item.page_canonical_url:
        return None
    try:
        url = canonicalize_url(item.page_canonical_url, base=item.url)
    except InvalidURLError:
        return None
    # Some themes point every page's canonical at the home page; that is no identity.
    if urlsplit(url).path in ("", "/"):
        logger.debug("source %s: %s: ignoring home-page canonical", item.source, item.url)
        return None
    return url


class IdentifyPipeline:
    """Sets ``canonical_url``, ``aliases`` and ``content_hash`` on every item."""

    def process_item(self, item: ArticleItem) -> ArticleItem:
        aliases = [item.canonical_url]
        if item.body_origin == "page":
            with contextlib.suppress(InvalidURLError):
                aliases.append(canonicalize_url(item.url))  # where redirects ended
        page_url = _page_canonical(item)
        if page_url is not None:
            item.canonical_url = page_url
        item.aliases = [url for url in dict.fromkeys(aliases) if url != item.canonical_url]
        item.content_hash = content_hash(item.body) if item.body else None
        return item
