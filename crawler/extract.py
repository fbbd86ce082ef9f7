"""Article extraction: a fetched page's bytes to an ExtractedArticle (text by trafilatura, metadata
from JSON-LD/OpenGraph/meta). Pure: no Scrapy, no network, reads no settings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import trafilatura
from lxml.html import HtmlElement

from crawler.chrome import is_chrome_line, prune_chrome
from crawler.htmlinput import NoTextError, NotHTMLError, parse_html
from crawler.metadata import page_metadata

__all__ = ["ExtractedArticle", "NoTextError", "NotHTMLError", "extract_article", "main_text"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractedArticle:
    """What a news page holds; times are aware UTC (a page date without offset is read as UTC)."""

    title: str | None
    body: str  # paragraphs separated by "\n\n"
    authors: tuple[str, ...]
    published_at: datetime | None
    updated_at: datetime | None
    language: str | None  # ISO 639-1, e.g. "en"
    description: str | None
    section: str | None
    tags: tuple[str, ...]
    image_url: str | None
    canonical_url: str | None  # absolute, from <link rel=canonical> or og:url


def main_text(tree: HtmlElement, url: str, title: str | None = None) -> str:
    """The article text of a parsed page, paragraphs joined by a blank line; "" if none.

    Prunes site chrome from `tree` in place: read the page metadata first. Paragraphs that only
    repeat the title (the headline itself, a breadcrumb ending in it) are dropped.
    """
    prune_chrome(tree)
    # Settings measured with bench/extraction_quality.py on article-extraction: precision mode has
    # body F1 0.977 against 0.967 balanced and 0.968 recall; without tables 0.964, fast 0.953.
    # Metadata comes from crawler.metadata, which is both better and cheaper here.
    try:
        document = trafilatura.bare_extraction(
            tree,
            url=url,
            favor_precision=True,
            include_comments=False,
            include_tables=True,
            include_formatting=False,
            with_metadata=False,
        )
    except RecursionError:  # trafilatura walks the tree recursively; hostile nesting ends here
        logger.warning("page too deeply nested to extract: %s", url)
        return ""
    if not isinstance(document, trafilatura.settings.Document):
        return ""
    text = document.text or ""
    paragraphs = [line.strip() for line in text.splitlines()]
    return "\n\n".join(
        p for p in paragraphs if p and not is_chrome_line(p) and not _repeats_title(p, title)
    )


def _repeats_title(paragraph: str, title: str | None) -> bool:
    return (
        title is not None
        and len(title) >= 12
        and paragraph.endswith(title)
        and len(paragraph) < len(title) + 40
    )


def extract_article(
    body: bytes,
    url: str,
    *,
    content_type: str | None = None,
    encoding: str | None = None,
) -> ExtractedArticle:
    """Extract text and metadata from a fetched page.

    `content_type` and `encoding` are the HTTP header values when known. Raises NotHTMLError for
    PDF, images, archives, feeds and other non-HTML bodies, NoTextError when the page has no
    article text (the caller then stores the feed entry alone).
    """
    tree = parse_html(body, content_type=content_type, encoding=encoding)
    meta = page_metadata(tree, url)
    text = main_text(tree, url, meta.title)
    if not text:
        raise NoTextError(f"no article text in {url}")
    logger.debug("extracted %s: %d chars, published %s", url, len(text), meta.published)
    return ExtractedArticle(
        title=meta.title,
        body=text,
        authors=meta.authors,
        published_at=meta.published,
        updated_at=meta.modified,
        language=meta.language,
        description=meta.description,
        section=meta.section,
        tags=meta.tags,
        image_url=meta.image_url,
        canonical_url=meta.canonical_url,
    )
