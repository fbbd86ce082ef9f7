"""Feed parsing: RSS 0.9x/1.0/2.0 and Atom bytes in, typed ``ParsedFeed`` out (feedparser behind a
typed wrapper).  No settings; feedparser never fetches anything here.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import time
import xml.sax
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from urllib.parse import urljoin

import charset_normalizer
import feedparser
from lxml import etree
from lxml import html as lxml_html

logger = logging.getLogger(__name__)

__all__ = ["FeedEntry", "FeedError", "ParsedFeed", "html_to_text", "parse_feed"]


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed, as the feed states it."""

    #: RSS ``<guid>`` / Atom ``<id>``, stripped; ``None`` when absent.
    guid: str | None
    #: Absolute http(s) URL, resolved against the feed URL but not canonicalised; ``None`` when
    #: missing or not http(s).  A permalink ``<guid>`` (no ``isPermaLink="false"``) stands in for
    #: a missing ``<link>`` when it is an absolute http(s) URL.  Entries without a link are kept:
    #: the caller may store them from the feed under their GUID.
    link: str | None
    title: str | None
    #: Plain text, HTML stripped, paragraphs separated by a blank line.  When the feed only has
    #: full content (``content:encoded`` without ``description``), feedparser copies it here too.
    summary: str | None
    #: Plain text of ``content:encoded`` / Atom ``<content>``, if present.
    content: str | None
    authors: tuple[str, ...]
    #: Aware UTC.  Falls back to ``updated_at`` when the entry has one date only (Atom entries
    #: often carry only ``<updated>``, RSS 1.0 only ``dc:date``).
    published_at: datetime | None
    updated_at: datetime | None
    tags: tuple[str, ...]
    #: ``media:content``/``media:thumbnail`` image, else an image enclosure, else ``itunes:image``.
    image_url: str | None


@dataclass(frozen=True)
class ParsedFeed:
    """What a feed document says: channel fields, entries (unique GUIDs), paging and health."""

    title: str | None
    entries: tuple[FeedEntry, ...]
    #: RFC 5005 ``rel="next"`` paging link (atom:link, also inside RSS), absolute.
    next_url: str | None
    #: RSS ``<ttl>`` in minutes, when it is a non-negative integer.
    ttl_minutes: int | None
    language: str | None
    #: feedparser's version string: ``rss20``, ``rss10``, ``rss091u``, ``atom10``, ... or ``""``.
    version: str
    #: What went wrong while entries could still be read (bozo exception text), else ``None``.
    warning: str | None
    #: Short slug for ``warning``, usable as a stats key: ``malformed`` (not well-formed XML, read
    #: by the lenient parser), ``encoding`` (declared charset wrong or missing), ``content_type``
    #: (served with a non-XML media type), ``other``.
    warning_reason: str | None = None
    #: Entries dropped because their GUID repeated an earlier entry's in the same document.
    duplicates: int = 0
    #: The character encoding the document was decoded with (``""`` when unknown).
    encoding: str = ""


class FeedError(ValueError):
    """Nothing usable could be read from the document.

    ``reason`` is a short slug for stats: ``empty`` (no bytes, or whitespace only),
    ``not_a_feed`` (an HTML page, a JSON document, or XML that is no RSS/Atom), ``malformed``
    (broken XML with no readable entry).
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason


def parse_feed(
    body: bytes,
    url: str,
    *,
    content_type: str | None = None,
    encoding: str | None = None,
) -> ParsedFeed:
    """Parse a fetched feed document.

    ``url`` is the feed's URL (after redirects); relative links are resolved against it.
    ``content_type`` is the response's ``Content-Type`` header value, used for charset detection
    as RFC 7303 says.  ``encoding`` overrides every declared charset: pass it only when the
    source is known to lie (a per-source setting), not a charset guessed by the HTTP client.

    Raises ``FeedError`` when nothing usable is there; otherwise returns what could be read, with
    ``warning`` set when the document had problems.  A well-formed feed without entries is
    returned with ``entries == ()``.
    """
    if not body.strip():
        raise FeedError("empty", f"no content at {url}")
    choice = _choose_encoding(body, content_type, encoding, url)
    data, headers = body, {}
    if choice is not None:
        data, content_type = _transcode(body, choice.text, content_type)
    if content_type:
        # Any header at all makes feedparser treat the input as an HTTP response; without a
        # Content-Type that means "no Content-type specified" warnings and an iso-8859-1 default,
        # so Content-Location (the base for relative links) is only passed alongside it.
        headers = {"content-type": content_type, "content-location": url}
    try:
        # A BytesIO, never bytes or str: feedparser would treat a str as a URL or a file name.
        result = feedparser.parse(
            io.BytesIO(data),
            response_headers=headers,
            resolve_relative_uris=False,
            sanitize_html=False,
        )
    except Exception as exc:
        # feedparser has bugs that hostile bytes reach (a NUL inside the declared charset name
        # raises ValueError from bytes.decode); a bad feed must not stop the crawl.
        logger.exception("Feed %s: feedparser failed", url)
        raise FeedError("malformed", f"feedparser failed on {url}: {exc!r}") from exc
    return _build(_mapping(result), body, url, content_type, choice)


# ---------------------------------------------------------------------------------------------
# Character encodings

_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF32_BE)
_UTF16_32_MARKERS = (b"\x00\x00\x00<", b"<\x00\x00\x00", b"\x00<\x00?", b"<\x00?\x00")
_XML_DECL_ENCODING = re.compile(rb"""\A\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_XML_DECL = re.compile(r"\A\s*<\?xml[^>]*\?>")

# Labels that browsers decode with a superset codec (WHATWG Encoding Standard): "iso-8859-1"
# documents nearly always hold windows-1252 curly quotes, "big5" ones HKSCS or Microsoft
# characters, "gb2312" ones GBK.  Keyed by Python codec name.
_SUPERSETS: dict[str, tuple[str, ...]] = {
    "iso8859-1": ("cp1252",),
    "ascii": ("cp1252",),
    "iso8859-9": ("cp1254",),
    "iso8859-11": ("cp874",),
    "tis-620": ("cp874",),
    "big5": ("big5hkscs", "cp950"),
    "gb2312": ("gb18030",),
    "gbk": ("gb18030",),
    "euc_kr": ("cp949",),
    "shift_jis": ("cp932",),
}
_SINGLE_BYTE_PREFIXES = ("ascii", "iso8859", "latin", "cp125", "cp8", "cp4", "koi8", "mac", "tis")


@dataclass(frozen=True)
class _Choice:
    codec: str
    text: str
    #: Set when the declaration was wrong or missing: reported as the parse warning.
    warning: str | None


def _choose_encoding(
    body: bytes, content_type: str | None, explicit: str | None, url: str
) -> _Choice | None:
    """Decode the document ourselves where feedparser's RFC 3023 rules would decode it wrongly.

    ``None`` leaves the decision to feedparser: byte order marks and UTF-16/32 (which it handles
    well), pure ASCII, unknown charset labels.  Otherwise, in order: the ``explicit`` encoding;
    UTF-8 when the document is valid non-ASCII UTF-8 but declares a single-byte charset or none
    (RFC 7303 replaced RFC 3023's us-ascii default for ``text/*``); the declared charset, read
    with the superset codec browsers use for it; finally detection, with a warning.
    """
    if explicit:
        try:
            return _Choice(explicit, body.decode(explicit), None)
        except (LookupError, UnicodeDecodeError) as exc:
            logger.warning("Feed %s: configured encoding %s fails (%s)", url, explicit, exc)
    if body.isascii() or body.startswith(_BOMS) or body[:4] in _UTF16_32_MARKERS:
        return None
    http_charset = _split_content_type(content_type)[1]
    match = _XML_DECL_ENCODING.match(body[:1024])
    declared = http_charset or (match.group(1).decode("ascii") if match else "")
    codec = _codec_name(declared) if declared else ""
    if declared and not codec:
        return None  # feedparser reports the unknown label and falls back
    # A UTF-16/32 declaration read in ASCII (no BOM, no wide "<?") is false by construction.
    wide = codec.startswith(("utf-16", "utf-32"))
    if not declared or wide or codec == "utf-8" or codec.startswith(_SINGLE_BYTE_PREFIXES):
        utf8 = _decode_utf8(body)
        if utf8 is not None:
            text, replaced = utf8
            if replaced:
                warning = f"{replaced} invalid UTF-8 sequences replaced"
            elif codec not in ("", "utf-8"):
                warning = f"document declared as {declared}, but parsed as utf-8"
            else:
                warning = None
            return _Choice("utf-8", text, warning)
    if codec and not wide:
        for candidate in (*_SUPERSETS.get(codec, ()), codec):
            try:
                return _Choice(candidate, body.decode(candidate), None)
            except UnicodeDecodeError:
                continue
    detected, text = _detect(body)
    said = f"declared as {declared}" if declared else "declared no charset"
    return _Choice(detected, text, f"document {said}, but parsed as {detected}")


def _decode_utf8(body: bytes) -> tuple[str, int] | None:
    """UTF-8 text and the number of invalid sequences replaced, or ``None`` when the bytes are
    not mostly UTF-8: a stray windows-1252 quote in a UTF-8 feed is common, and is replaced
    rather than turning every other character of the feed into mojibake.
    """
    try:
        return body.decode("utf-8"), 0
    except UnicodeDecodeError:
        text = body.decode("utf-8", "replace")
    replaced = text.count("\ufffd") - body.count(b"\xef\xbf\xbd")
    multibyte = sum(1 for char in text if char > "\x7f") - replaced
    # A valid multi-byte sequence almost never occurs by chance in single-byte text.
    return (text, replaced) if multibyte > replaced else None


# charset_normalizer names the single-byte Latin charsets apart by letter frequencies, which short
# feed texts do not settle; windows-1252 is what browsers assume for undeclared Western text.
_LATIN_GUESSES = re.compile(
    r"(?:cp125[0247]|latin_1|iso8859_(?:[1-49]|1[0345])|mac_.*|cp437|cp850)$"
)


def _detect(body: bytes) -> tuple[str, str]:
    best = charset_normalizer.from_bytes(body).best()
    guess = best.encoding if best is not None else "cp1252"
    if _LATIN_GUESSES.match(guess):
        candidates: tuple[str, ...] = ("cp1252", guess)
    else:
        candidates = (*_SUPERSETS.get(_codec_name(guess), ()), guess, "cp1252")
    for codec in candidates:
        try:
            return codec, body.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return "latin-1", body.decode("latin-1")


def _split_content_type(content_type: str | None) -> tuple[str, str]:
    if not content_type:
        return "", ""
    mime, *params = content_type.split(";")
    charset = ""
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    return mime.strip().lower(), charset


def _codec_name(label: str) -> str:
    try:
        return codecs.lookup(label).name
    except LookupError:
        return ""


def _transcode(body: bytes, text: str, content_type: str | None) -> tuple[bytes, str | None]:
    """Re-encode a decoded document as UTF-8 and make its declarations say so."""
    text = _XML_DECL.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1)
    if content_type:
        content_type = f"{_split_content_type(content_type)[0] or 'application/xml'}; charset=utf-8"
    return text.encode("utf-8"), content_type


# ---------------------------------------------------------------------------------------------
# From feedparser's dictionaries to dataclasses

_NON_FEED_SNIFF = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)


def _build(
    result: Mapping[str, object],
    body: bytes,
    url: str,
    content_type: str | None,
    choice: _Choice | None,
) -> ParsedFeed:
    feed = _mapping(result.get("feed"))
    raw_entries = [_mapping(e) for e in _list(result.get("entries"))]
    version = _text(result.get("version")) or ""
    bozo = bool(result.get("bozo"))
    exc = result.get("bozo_exception") if bozo else None
    warning = (str(exc) or type(exc).__name__) if exc else None
    reason = _warning_reason(exc) if exc else None
    if choice is not None and choice.warning and (reason is None or reason == "encoding"):
        warning, reason = choice.warning, "encoding"

    if not raw_entries:
        _raise_if_unusable(body, url, content_type, version, reason, warning)

    entries: list[FeedEntry] = []
    seen: set[str] = set()
    duplicates = 0
    for raw in raw_entries:
        entry = _entry(raw, url)
        if entry.guid is not None:
            if entry.guid in seen:
                duplicates += 1
                continue
            seen.add(entry.guid)
        entries.append(entry)
    if duplicates:
        logger.info("Feed %s: %d entries repeat an earlier GUID", url, duplicates)
    if warning:  # the caller logs it with the source name; this is for tracing parse_feed alone
        logger.debug("Feed %s: read with a warning (%s): %s", url, reason, warning)
    return ParsedFeed(
        title=_title(feed),
        entries=tuple(entries),
        next_url=_next_url(feed, url),
        ttl_minutes=_ttl(feed.get("ttl")),
        language=_text(feed.get("language")),
        version=version,
        warning=warning,
        warning_reason=reason,
        duplicates=duplicates,
        encoding=choice.codec if choice else (_text(result.get("encoding")) or ""),
    )


def _raise_if_unusable(
    body: bytes,
    url: str,
    content_type: str | None,
    version: str,
    reason: str | None,
    warning: str | None,
) -> None:
    mime = _split_content_type(content_type)[0]
    head = body[:2048]
    if not version:
        if mime in ("text/html", "application/xhtml+xml") or _NON_FEED_SNIFF.search(head):
            raise FeedError("not_a_feed", f"HTML page at {url}")
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if start.startswith((b"{", b"[")):
            raise FeedError("not_a_feed", f"JSON document at {url}")
        if b"<" not in start[:8]:  # 8: after a UTF-32 byte order mark
            raise FeedError("not_a_feed", f"no markup at {url}")
        if reason == "malformed":
            raise FeedError("malformed", f"no readable entry at {url}: {warning}")
        raise FeedError("not_a_feed", f"no RSS or Atom document at {url}")


def _warning_reason(exc: object) -> str:
    if isinstance(exc, xml.sax.SAXException | feedparser.UndeclaredNamespace):
        return "malformed"
    if isinstance(exc, feedparser.CharacterEncodingOverride | feedparser.CharacterEncodingUnknown):
        return "encoding"
    if isinstance(exc, feedparser.NonXMLContentType):
        return "content_type"
    return "other"


def _entry(raw: Mapping[str, object], url: str) -> FeedEntry:
    # feedparser copies content to ``summary`` without a ``summary_detail`` when there is no
    # summary; the copy is HTML as often as not.
    summary_detail = _mapping(raw.get("summary_detail")) or {
        "value": raw.get("summary"),
        "type": "text/html",
    }
    summary = _detail_text(summary_detail)
    updated = _datetime(raw.get("updated_parsed"))
    guid = _text(raw.get("id"))
    return FeedEntry(
        guid=guid,
        link=_link(raw, guid, url),
        title=_title(raw),
        summary=summary,
        content=_content(raw),
        authors=_unique(_authors(raw)),
        published_at=_datetime(raw.get("published_parsed")) or updated,
        updated_at=updated,
        tags=_unique(_text(t.get("term")) or _text(t.get("label")) for t in _dicts(raw, "tags")),
        image_url=_absolute(url, _image(raw)),
    )


def _link(raw: Mapping[str, object], guid: str | None, url: str) -> str | None:
    link = _text(raw.get("link"))
    if link is not None and raw.get("guidislink") and link == guid:
        # feedparser copied a "permalink" GUID; many are not URLs at all ("post-123", "tag:").
        return link if _HTTP_URL.match(link) else None
    link = _absolute(url, link)
    return link if link is not None and _HTTP_URL.match(link) else None


_HTTP_URL = re.compile(r"https?://[^/?#\s]", re.IGNORECASE)


def _title(node: Mapping[str, object]) -> str | None:
    detail = _mapping(node.get("title_detail"))
    title = _detail_text(detail) if detail else _plain(node.get("title"))
    return " ".join(title.split()) if title else None


def _content(raw: Mapping[str, object]) -> str | None:
    for item in _dicts(raw, "content"):
        text = _detail_text(item)
        if text:
            return text
    return None


def _detail_text(detail: Mapping[str, object]) -> str | None:
    value = detail.get("value")
    if not isinstance(value, str):
        return None
    if "html" in (_text(detail.get("type")) or ""):
        return html_to_text(value) or None
    return _plain(value)


def _authors(raw: Mapping[str, object]) -> Iterator[str | None]:
    authors = _dicts(raw, "authors")
    for author in authors:
        yield _text(author.get("name")) or _text(author.get("email"))
    if not authors:
        yield _text(raw.get("author"))


_IMAGE_EXTENSIONS = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:$|[?#])", re.IGNORECASE)


def _is_image(item: Mapping[str, object], url_key: str) -> bool:
    medium = _text(item.get("medium")) or ""
    mime = _text(item.get("type")) or ""
    if medium or mime:
        return medium == "image" or mime.startswith("image/")
    return bool(_IMAGE_EXTENSIONS.search(_text(item.get(url_key)) or ""))


def _image(raw: Mapping[str, object]) -> str | None:
    for item in _dicts(raw, "media_content"):
        if _is_image(item, "url") and _text(item.get("url")):
            return _text(item.get("url"))
    for item in _dicts(raw, "media_thumbnail"):
        if _text(item.get("url")):
            return _text(item.get("url"))
    for item in _dicts(raw, "links"):
        if item.get("rel") == "enclosure" and _is_image(item, "href") and _text(item.get("href")):
            return _text(item.get("href"))
    return _text(_mapping(raw.get("image")).get("href"))


def _next_url(feed: Mapping[str, object], url: str) -> str | None:
    for link in _dicts(feed, "links"):
        if link.get("rel") == "next" and _text(link.get("href")):
            return _absolute(url, _text(link.get("href")))
    return None


def _ttl(value: object) -> int | None:
    text = _text(value)
    return int(text) if text and text.isascii() and text.isdigit() else None


def _datetime(value: object) -> datetime | None:
    # feedparser gives UTC struct_times; a few malformed dates come out of range.
    if not isinstance(value, time.struct_time):
        return None
    try:
        return datetime(*value[:5], min(value.tm_sec, 59), tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def _absolute(base: str, link: str | None) -> str | None:
    if not link:
        return None
    try:
        return urljoin(base, link)
    except ValueError:
        return link


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


# feedparser ships no types: everything read from its result goes through these checks.


def _mapping(value: object) -> Mapping[str, object]:
    # A plain copy: FeedParserDict.get maps legacy key names (``updated`` falls back to
    # ``published`` with a DeprecationWarning), which would blur what the feed said.
    return dict(dict.items(value)) if isinstance(value, dict) else {}


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _dicts(node: Mapping[str, object], key: str) -> list[Mapping[str, object]]:
    return [_mapping(item) for item in _list(node.get(key)) if isinstance(item, dict)]


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _plain(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return _squash_paragraphs(value.split("\n\n")) or None


# ---------------------------------------------------------------------------------------------
# HTML to plain text

_BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "caption", "dd", "div", "dl", "dt"),
        *("fieldset", "figcaption", "figure", "footer", "form", "header", "hr", "li", "main"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "nav", "ol", "p", "pre", "section", "table"),
        *("tbody", "td", "tfoot", "th", "thead", "tr", "ul"),
    }
)
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAGS = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"\s+")


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: paragraphs (block elements) separated by ``"\\n\\n"``,
    ``<br>`` as ``"\\n"``, other whitespace collapsed, scripts and styles dropped.
    """
    if "<" not in markup and "&" not in markup:
        return _squash_paragraphs([markup])
    markup = _CONTROL_CHARS.sub("", markup)
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.LxmlError, ValueError):
        return _squash_paragraphs([unescape(_TAGS.sub(" ", markup))])
    for element in [*root.iter(*_DROP_TAGS)]:
        element.drop_tree()
    paragraphs: list[list[str]] = [[]]
    # An explicit stack rather than recursion (documents can nest deeply) or etree.iterwalk
    # (which skips comments, and with them the text that follows a comment).
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        element, closing = stack.pop()
        tag = element.tag if isinstance(element.tag, str) else None
        if tag in _BLOCK_TAGS and paragraphs[-1]:
            paragraphs.append([])
        if closing:
            if element.tail and element is not root:
                paragraphs[-1].append(_SPACES.sub(" ", element.tail))
            continue
        if tag == "br":
            paragraphs[-1].append("\n")
        elif tag is not None and element.text:
            paragraphs[-1].append(_SPACES.sub(" ", element.text))
        stack.append((element, True))
        if tag is not None:
            stack.extend((child, False) for child in reversed(element))
    return _squash_paragraphs("".join(chunks) for chunks in paragraphs)


def _squash_paragraphs(paragraphs: Iterable[str]) -> str:
    out = []
    for paragraph in paragraphs:
        lines = (" ".join(line.split()) for line in paragraph.split("\n"))
        text = "\n".join(line for line in lines if line)
        if text:
            out.append(text)
    return "\n\n".join(out)
