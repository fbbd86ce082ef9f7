"""Fetched bytes to one lxml tree: refuse non-HTML by sniffing, pick the encoding, parse once.

Encoding: byte-order mark, then the caller's (HTTP) charset, <meta charset>, UTF-8. No settings.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree
from lxml.html import HtmlElement, HTMLParser, document_fromstring


class NotHTMLError(ValueError):
    """The body is not an HTML page: PDF, image, archive, feed, JSON or other non-markup data."""


class NoTextError(ValueError):
    """The page parsed, but holds no article text."""


# signatures at offset 0 (after leading whitespace for the textual ones)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"RIFF", "RIFF media (WebP, WAV or AVI)"),
    (b"PK\x03\x04", "a ZIP archive or office document"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a legacy office document"),
    (b"%!PS", "a PostScript document"),
    (b"{\\rtf", "an RTF document"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
    (b"fLaC", "FLAC audio"),
    (b"\x1aE\xdf\xa3", "Matroska/WebM video"),
    (b"wOFF", "a WOFF font"),
    (b"wOF2", "a WOFF2 font"),
    (b"\x00asm", "WebAssembly"),
    (b"\x7fELF", "an executable"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BINARY_TYPES = re.compile(
    r"^(?:application/(?:pdf|zip|gzip|x-gzip|x-tar|x-7z-compressed|x-rar-compressed|msword|"
    r"postscript|rtf|x-shockwave-flash|wasm|vnd\.ms-[\w.+-]+|vnd\.openxmlformats[\w.+-]*|"
    r"vnd\.oasis\.opendocument[\w.+-]*)|image/|audio/|video/|font/)"
)
# bytes that never occur in text (WHATWG MIME sniffing's "binary data bytes", minus NUL)
_CONTROL = re.compile(rb"[\x01-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,100}?encoding\s*=\s*["']([\w.:-]+)""")
_XML_DOCUMENT = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<\?[^>]*>\s*)*(?:<!DOCTYPE[^>]*>\s*)?"
    r"<(rss|feed|rdf:RDF|urlset|sitemapindex|svg|opml)\b",
    re.IGNORECASE | re.DOTALL,
)
_MARKUP = re.compile(
    r"<(?:!doctype|html|head|body|meta|title|div|p|article|main|section|header|nav|span|"
    r"h[1-6]|table|a|img|ul|ol|br|script|style|link|form|!--)[\s/>]",
    re.IGNORECASE,
)
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_DECODED_NON_ASCII = re.compile("[^\x00-\x7f\ufffd]")
_DOCTYPE = re.compile(rb"\s*<!DOCTYPE[^>]*>", re.IGNORECASE)
# what browsers actually use for these labels (WHATWG Encoding Standard)
_ENCODING_ALIASES = {
    "ascii": "cp1252",
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "tis-620": "cp874",
    "iso8859-11": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
}
_SINGLE_BYTE_WESTERN = frozenset({"cp1252", "iso8859-15"})

_PARSER = HTMLParser(
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
    collect_ids=False,
    default_doctype=False,
)


def resolve_encoding(label: str | bytes | None) -> str | None:
    """A Python codec name for a charset label, None if unknown."""
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "replace")
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    return _ENCODING_ALIASES.get(name, name)


def check_binary(body: bytes, content_type: str | None = None) -> None:
    """Raise NotHTMLError when the content type, magic bytes or byte statistics say binary."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if _BINARY_TYPES.match(media_type):
        raise NotHTMLError(f"not an HTML page: Content-Type {media_type}")
    stripped = body[:64].lstrip(b" \t\r\n\x0c")
    for magic, what in _MAGIC:
        if body.startswith(magic) or stripped.startswith(magic):
            raise NotHTMLError(f"not an HTML page: {what}")
    if body[4:8] == b"ftyp":
        raise NotHTMLError("not an HTML page: MP4/HEIF media")
    if any(body.startswith(bom) for bom, _ in _BOMS) or body[:2] in (b"<\x00", b"\x00<"):
        return  # UTF-16/32 text holds NUL bytes by design
    head = body[:2048]
    if b"\x00" in head or len(_CONTROL.findall(head)) > len(head) // 100:
        raise NotHTMLError("not an HTML page: binary data")


def _declared_encoding(body: bytes) -> str | None:
    head = body[:4096]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return resolve_encoding(match.group(1)) if match else None


def _looks_single_byte(text: str) -> bool:
    """A failed UTF-8 decode with no valid multi-byte sequence at all: a single-byte page."""
    return _DECODED_NON_ASCII.search(text) is None


def _decode(body: bytes, encoding: str | None) -> tuple[str, bool]:
    """The text, and whether `body` is already exactly its UTF-8 encoding."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace"), False
    if body[:2] == b"<\x00":
        return body.decode("utf-16-le", errors="replace"), False
    if body[:2] == b"\x00<":
        return body.decode("utf-16-be", errors="replace"), False
    codec = resolve_encoding(encoding) or _declared_encoding(body) or "utf-8"
    if codec in _SINGLE_BYTE_WESTERN and not body.isascii():
        try:
            return body.decode("utf-8"), True
        except UnicodeDecodeError:
            pass
    if codec == "utf-8":
        try:
            return body.decode("utf-8"), True
        except UnicodeDecodeError:
            text = body.decode("utf-8", errors="replace")
            if _looks_single_byte(text):
                return body.decode("cp1252", errors="replace"), False
            return text, False
    return body.decode(codec, errors="replace"), False


def decode_html(body: bytes, encoding: str | None = None) -> str:
    """Decode by BOM, then the given (HTTP) charset, then <meta charset>, then UTF-8.

    Two repairs for wrong declarations: a page labelled as a Western single-byte charset that is
    valid multi-byte UTF-8 is read as UTF-8; a page labelled UTF-8 without a single valid
    multi-byte sequence is read as windows-1252.
    """
    return _decode(body, encoding)[0]


def check_markup(text: str) -> None:
    """Raise NotHTMLError for feeds, sitemaps, JSON and text without any HTML tag."""
    match = _XML_DOCUMENT.match(text[:4096])
    if match:
        raise NotHTMLError(f"not an HTML page: XML document <{match.group(1)}>")
    if _MARKUP.search(text) is None:
        raise NotHTMLError("not an HTML page: no HTML markup found")


def parse_html(
    body: bytes, *, content_type: str | None = None, encoding: str | None = None
) -> HtmlElement:
    """Check, decode and parse a page; the one parse that metadata and extraction share."""
    check_binary(body, content_type)
    if not body.strip():
        raise NoTextError("empty response body")
    text, body_is_utf8 = _decode(body, encoding)
    check_markup(text)
    # libxml2 gets UTF-8 bytes and is told so: a stale <meta charset> cannot undo the choice above
    data = body if body_is_utf8 else text.encode("utf-8", "replace")
    # control characters survive parsing and make lxml refuse any later edit of the text
    data = data.translate(None, _CONTROL_BYTES)
    if b"\xef\xbf" in data and (b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data):
        data = data.replace(b"\xef\xbf\xbe", b"").replace(b"\xef\xbf\xbf", b"")
    doctype = _DOCTYPE.match(data)
    if doctype:  # libxml2 mis-parses some doctypes (lxml bug 1955915); it carries nothing we use
        data = data[doctype.end() :]
    try:
        tree = document_fromstring(data, parser=_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as err:
        raise NoTextError(f"unparsable page: {err}") from err
    if tree is None:
        raise NoTextError("empty page")
    return tree
