"""Article metadata from a parsed page: JSON-LD, OpenGraph/meta tags and a few HTML elements.

Pure functions over an lxml tree; reads no settings. Naive dates are taken to be UTC.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import extract_author

from crawler.dates import parse_datetime
from crawler.jsonld import JsonLd, json_blocks

logger = logging.getLogger(__name__)

_WS = re.compile(r"\s+")
_BYLINE_PREFIX = re.compile(r"^(?:by|von|par|por|di|door|av|af|od|from)\s*:?\s+", re.IGNORECASE)
# "A, B and C" in the languages of the eval set ("und", "et", "og", "och", "y", "e")
_AUTHOR_SPLIT = re.compile(r"\s*(?:[,;|]|\s&\s|\s+(?:and|und|et|og|och|y|e)\s+)\s*")
_TITLE_TAIL = re.compile(r"\s*(?:\s[-|–—·•:»/]|[|–—·•»ㅣ:：]|-(?=\S*\W))\s*([^-|–—·•:»]+)$")
# "(obe)" initials, "(Image: ...)" credits, the Korean "reporter" suffix
_NAME_NOISE = re.compile(r"\s*\([^)]*\)?\s*$|\s+기자$")
_LANG = re.compile(r"^([a-zA-Z]{2,3})(?:$|[-_])")


@dataclass(frozen=True)
class PageMetadata:
    """What the page says about itself, each field from its most reliable source."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    language: str | None = None
    description: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    image_url: str | None = None
    canonical_url: str | None = None
    site_name: str | None = None


def clean_text(value: Any) -> str | None:
    """Collapse whitespace; None for empty or non-string values."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    if "&" in value:
        value = html.unescape(value)
    text = _WS.sub(" ", value).strip()
    return text or None


def collect_meta(tree: HtmlElement) -> dict[str, list[str]]:
    """All <meta> name/property/itemprop keys (lowercased) with their contents, in page order."""
    meta: dict[str, list[str]] = {}
    for element in tree.iter("meta"):
        content = element.get("content")
        if content is None:
            content = element.get("value")
        content = clean_text(content)
        if content is None:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = element.get(attr)
            if key:
                for part in key.split():
                    meta.setdefault(part.lower(), []).append(content)
    return meta


def _first(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        values = meta.get(key)
        if values:
            return values[0]
    return None


def _names(value: Any, ld: JsonLd) -> list[str]:
    """Person/organisation names from a JSON-LD author value."""
    value = ld.resolve(value)
    if isinstance(value, list):
        return [name for item in value for name in _names(item, ld)]
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, list):
            name = name[0] if name else None
        if not name:
            parts = [value.get(k) for k in ("givenName", "familyName")]
            name = " ".join(p for p in parts if isinstance(p, str))
        text = clean_text(name)
        return split_authors(text) if text else []
    text = clean_text(value)
    return split_authors(text) if text else []


def split_authors(text: str) -> list[str]:
    """Split a byline such as "By A. Writer and B. Writer" into names."""
    text = _BYLINE_PREFIX.sub("", text.strip())
    parts = [_BYLINE_PREFIX.sub("", p).strip(" .,-–—") for p in _AUTHOR_SPLIT.split(text)]
    return [p for p in parts if p and not p.lower().startswith(("http:", "https:", "www."))]


def _clean_name(name: str) -> str | None:
    name = _NAME_NOISE.sub("", name).strip(" .,-–—")
    if not name or name.startswith("(") or name.lower().startswith(("http:", "https:", "www.")):
        return None
    return name


def _authors(
    tree: HtmlElement, ld: JsonLd, meta: dict[str, list[str]], site_name: str | None
) -> tuple[str, ...]:
    """Names from JSON-LD, then meta tags, then the visible byline.

    Sites often credit themselves in JSON-LD and the reporter in a meta tag, so a list that only
    names the site gives way to a later structured source that names someone else.
    """
    candidates = [_names(ld.article_get("author"), ld)]
    for key in ("author", "article:author", "parsely-author", "dc.creator", "sailthru.author"):
        candidates.append([name for value in meta.get(key, []) for name in split_authors(value)])
    site = (site_name or "").casefold()
    found: tuple[str, ...] = ()
    for names in candidates:
        cleaned = _dedupe(filter(None, map(_clean_name, names)))
        if not cleaned:
            continue
        if not site or any(site not in n.casefold() and n.casefold() not in site for n in cleaned):
            return cleaned
        found = found or cleaned
    if found:
        return found
    # the byline heuristics are noisier than any structured source
    byline = extract_author(tree)
    return _dedupe(filter(None, map(_clean_name, split_authors(byline)))) if byline else ()


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.casefold(), item)
    return tuple(seen.values())


def _keywords(value: Any) -> list[str]:
    if isinstance(value, list):
        return [k for item in value for k in _keywords(item)]
    text = clean_text(value)
    if text is None:
        return []
    return [part.strip() for part in text.split(",") if part.strip()]


def _image(value: Any, ld: JsonLd) -> str | None:
    value = ld.resolve(value)
    if isinstance(value, list):
        for item in value:
            found = _image(item, ld)
            if found:
                return found
        return None
    if isinstance(value, dict):
        return clean_text(value.get("url") or value.get("contentUrl"))
    return clean_text(value)


def absolute_url(value: str | None, base: str) -> str | None:
    """Resolve value against base; None unless the result is an http(s) URL."""
    if not value:
        return None
    try:
        resolved = urljoin(base, value.strip())
        parts = urlsplit(resolved)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return resolved


def normalise_language(value: str | None) -> str | None:
    """ISO 639-1 code from "en-US", "de_DE", "fr"; None for anything else."""
    if not value:
        return None
    match = _LANG.match(value.strip())
    if not match or len(match.group(1)) != 2:
        return None
    return match.group(1).lower()


def _h1(tree: HtmlElement) -> str | None:
    for heading in tree.iter("h1"):
        text = clean_text(heading.text_content())
        if text:
            return text
    return None


def _strip_site_name(title: str, site_names: list[str]) -> str:
    """Drop a trailing " - Site Name" (or "| Site", ": Site") that repeats the publisher's name."""
    match = _TITLE_TAIL.search(title)
    if match is None or match.start() == 0:
        return title
    tail = match.group(1).casefold()
    if any(name in tail or tail in name for name in site_names):
        return title[: match.start()].rstrip()
    return title


def _title(
    tree: HtmlElement, ld: JsonLd, meta: dict[str, list[str]], site_name: str | None, url: str
) -> str | None:
    """Headline: JSON-LD first, then OpenGraph and friends, then <h1>, then <title>."""
    h1 = _h1(tree)
    title_element = tree.find(".//title")
    candidates = [
        clean_text(ld.article_get("headline")),
        _first(meta, "og:title", "twitter:title", "parsely-title", "dc.title", "dcterms.title"),
        h1,
        clean_text(title_element.text_content()) if title_element is not None else None,
    ]
    title = next((c for c in candidates if c), None)
    if title is None:
        return None
    # the visible headline, when the chosen title is that headline plus a suffix
    if h1 and h1 != title and title.startswith(h1) and _TITLE_TAIL.match(title, len(h1)):
        return h1
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    site_names = [n.casefold() for n in (site_name, host, host.rsplit(".", 1)[0]) if n]
    return _strip_site_name(title, site_names)


def _link_href(tree: HtmlElement, rel: str) -> str | None:
    for link in tree.iter("link"):
        if rel in (link.get("rel") or "").lower().split():
            href = link.get("href")
            if href and href.strip():
                return str(href).strip()
    return None


def _date(*candidates: Any) -> datetime | None:
    """The first candidate that parses as a date, in UTC; callables are only called when reached."""
    for candidate in candidates:
        if callable(candidate):
            candidate = candidate()
        if isinstance(candidate, list):
            candidate = candidate[0] if candidate else None
        parsed = parse_datetime(clean_text(candidate))
        if parsed is not None:
            return parsed
    return None


def _itemprop_time(tree: HtmlElement, prop: str) -> str | None:
    values = tree.xpath(f"//*[@itemprop='{prop}']/@*[name()='datetime' or name()='content']")
    return str(values[0]) if values else None


def _htmldate(tree: HtmlElement, url: str) -> str | None:
    """htmldate's guess from the markup and URL: a last resort, often only the day."""
    try:
        found = find_date(
            tree,
            extensive_search=False,
            original_date=True,
            outputformat="%Y-%m-%dT%H:%M:%S%z",
            url=url,
        )
    except (ValueError, TypeError) as err:
        logger.debug("htmldate failed on %s: %s", url, err)
        return None
    return found if isinstance(found, str) else None


def page_metadata(tree: HtmlElement, url: str) -> PageMetadata:
    """Read the page's own description of the article: JSON-LD first, then meta tags, then HTML."""
    ld = JsonLd(json_blocks(tree))
    meta = collect_meta(tree)

    publisher = ld.resolve(ld.article_get("publisher"))
    site_name = _first(meta, "og:site_name", "application-name") or (
        clean_text(publisher.get("name")) if isinstance(publisher, dict) else None
    )
    title = _title(tree, ld, meta, site_name, url)

    authors = _authors(tree, ld, meta, site_name)
    published = _date(
        ld.get("datePublished"),
        _first(meta, "article:published_time", "og:article:published_time"),
        _first(meta, "parsely-pub-date", "sailthru.date", "publishdate", "pubdate"),
        _first(meta, "dcterms.created", "dc.date.issued", "dcterms.issued", "dc.date"),
        _first(meta, "date", "publish-date", "article.published", "datepublished"),
        ld.get("dateCreated"),
        lambda: _itemprop_time(tree, "datePublished"),
        lambda: _htmldate(tree, url),
    )
    modified = _date(
        ld.get("dateModified"),
        _first(meta, "article:modified_time", "og:updated_time", "dcterms.modified"),
        _first(meta, "last-modified", "datemodified"),
        lambda: _itemprop_time(tree, "dateModified"),
    )

    root = tree.getroottree().getroot()
    language = (
        normalise_language(root.get("lang") or root.get("xml:lang"))
        or normalise_language(clean_text(ld.get("inLanguage")))
        or normalise_language(_first(meta, "og:locale", "content-language", "dc.language"))
    )

    section_value = ld.article_get("articleSection")
    if isinstance(section_value, list):
        section_value = section_value[0] if section_value else None
    section = clean_text(section_value) or _first(meta, "article:section", "parsely-section")

    tags = _dedupe(meta.get("article:tag", []))
    if not tags:
        tags = _dedupe(_keywords(ld.article_get("keywords")))
    if not tags:
        tags = _dedupe(_keywords(_first(meta, "news_keywords", "parsely-tags", "keywords")))

    image_url = absolute_url(
        _first(meta, "og:image", "og:image:url", "og:image:secure_url")
        or _image(ld.get("image"), ld)
        or _first(meta, "twitter:image", "twitter:image:src")
        or _link_href(tree, "image_src"),
        url,
    )
    canonical_url = absolute_url(_link_href(tree, "canonical"), url) or absolute_url(
        _first(meta, "og:url"), url
    )
    description = _first(
        meta, "og:description", "description", "twitter:description"
    ) or clean_text(ld.article_get("description"))
    return PageMetadata(
        title=title,
        authors=authors,
        published=published,
        modified=modified,
        language=language,
        description=description,
        section=section,
        tags=tags,
        image_url=image_url,
        canonical_url=canonical_url,
        site_name=site_name,
    )
