"""Canonical URLs: one spelling per article URL, used as the identity key in storage.

Pure functions, no settings. The rules follow RFC 3986 section 6 (syntax-based normalisation) plus
the removal of tracking parameters; see ``canonicalize_url`` for the decisions and their reasons.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

import idna

__all__ = [
    "TRACKING_PARAMS",
    "TRACKING_PARAM_PREFIXES",
    "InvalidURLError",
    "canonicalize_url",
    "url_host",
]

#: Query parameters that only say how a reader arrived (ads, newsletters, social shares, analytics).
#: They never select content, so two URLs differing only by them name the same article.
#: Compared case-insensitively on the percent-decoded name.  Generic names such as ``ref``,
#: ``source`` or ``cid`` are deliberately absent: some sites use them to select content.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        # Google (Ads, Analytics, DoubleClick)
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "_ga",
        "_gl",
        # Meta, Microsoft, Yandex, Twitter/X, TikTok, LinkedIn, Instagram
        "fbclid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "ref_src",
        "ref_url",
        "__twitter_impression",
        # Mailchimp, HubSpot, Marketo, Vero
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "vero_id",
        # Newspaper and analytics-suite campaign tags (AT Internet, Adobe, Webtrends, MSN, NYT)
        "xtor",
        "at_medium",
        "at_campaign",
        "cmpid",
        "s_cid",
        "wt.mc_id",
        "wt_mc",
        "ocid",
        "smid",
        "smtyp",
    }
)

#: Parameter-name prefixes that are tracking by construction: Google ``utm_*``, comScore ``ns_*``,
#: Matomo/Piwik ``pk_*`` and ``mtm_*``, HubSpot ads ``hsa_*``.
TRACKING_PARAM_PREFIXES: tuple[str, ...] = ("utm_", "ns_", "pk_", "mtm_", "hsa_")

_DEFAULT_PORTS = {"http": 80, "https": 443}

# RFC 3986 character classes.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SUB_DELIMS = "!$&'()*+,;="
_PATH_SAFE = _UNRESERVED | frozenset(_SUB_DELIMS + ":@/")
_QUERY_SAFE = _PATH_SAFE | frozenset("?")
_HEX = frozenset("0123456789abcdefABCDEF")

# WHATWG URL parsing: tabs and newlines anywhere are dropped, C0 controls and spaces are trimmed.
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
_HOST_ASCII = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")


class InvalidURLError(ValueError):
    """The text is not an absolute http(s) URL that can be canonicalised."""


def canonicalize_url(url: str, base: str | None = None) -> str:
    """Return the canonical spelling of ``url`` (resolved against ``base`` when relative).

    What changes: scheme and host are lowercased, a Unicode host becomes IDNA (punycode), a
    trailing dot on the host goes, the default port (80 for http, 443 for https) goes, the
    fragment goes, dot segments are removed, an empty path becomes ``/``, tracking parameters
    (``TRACKING_PARAMS`` and ``TRACKING_PARAM_PREFIXES``) and empty ``&&`` pieces are removed,
    and percent-encoding is normalised: escapes of unreserved characters are decoded, other
    escapes get uppercase hex, and characters that may not appear raw (spaces, non-ASCII, ``<``,
    ``"``, a stray ``%``) are encoded as UTF-8.

    What is kept, and why:

    * The order of the remaining query parameters.  ``w3lib.url.canonicalize_url`` sorts them,
      which would merge the rare order-sensitive URLs and gives URLs nobody ever linked to; a
      feed emits one stable URL per article, so order does not vary in practice, and the same
      article under a reordered URL is still caught by the body hash.  The canonical URL is also
      the link shown in alerts, so it should stay the URL the publisher wrote.
    * ``http`` versus ``https``, ``www.`` and trailing slashes: these are different resources
      for some servers.  Duplicates they cause are caught by ``<link rel=canonical>`` (the
      caller canonicalises that too) and by the body hash.
    * ``+`` in queries, and escapes of reserved characters such as ``%2F`` and ``%26``: decoding
      them changes what the server receives.
    * Path case and user info.

    Raises ``InvalidURLError`` when the result would not be an absolute http(s) URL with a valid
    host and port.  The function is idempotent.
    """
    text = _TAB_NEWLINE.sub("", url).strip(_C0_AND_SPACE)
    if base is not None:
        try:
            text = urljoin(_TAB_NEWLINE.sub("", base).strip(_C0_AND_SPACE), text)
        except ValueError as exc:
            raise InvalidURLError(f"cannot resolve {url!r} against {base!r}: {exc}") from exc
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise InvalidURLError(f"unparsable URL {url!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidURLError(f"not an http(s) URL: {url!r}")
    netloc = _canonical_netloc(parts.netloc, scheme, url)
    path = _remove_dot_segments(_normalise_escapes(parts.path, _PATH_SAFE)) or "/"
    if not path.startswith("/"):
        path = "/" + path
    query = _canonical_query(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def url_host(url: str) -> str:
    """Return the canonical host of ``url``: lowercase, IDNA, no port, no trailing dot.

    Raises ``InvalidURLError`` like ``canonicalize_url``.
    """
    netloc = urlsplit(canonicalize_url(url)).netloc
    hostport = netloc.rpartition("@")[2]
    if hostport.startswith("["):
        return hostport[: hostport.index("]") + 1]
    return hostport.partition(":")[0]


def _canonical_netloc(netloc: str, scheme: str, original: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise InvalidURLError(f"unterminated IPv6 host in {original!r}")
        host, port_text = hostport[: end + 1].lower(), hostport[end + 1 :]
        if port_text and not port_text.startswith(":"):
            raise InvalidURLError(f"junk after IPv6 host in {original!r}")
        port_text = port_text[1:]
        if not re.fullmatch(r"\[[0-9a-f:.]+\]", host):
            raise InvalidURLError(f"invalid IPv6 host in {original!r}")
    else:
        host, _, port_text = hostport.partition(":")
        host = _canonical_host(host, original)
    port = _canonical_port(port_text, scheme, original)
    if at:
        userinfo = _normalise_escapes(userinfo, _UNRESERVED | frozenset(_SUB_DELIMS + ":"))
    return f"{userinfo}{at}{host}{port}"


def _canonical_host(host: str, original: str) -> str:
    if "%" in host:
        host = unquote_plus(host.replace("+", "%2B"))
    host = host.rstrip(".")
    if not host:
        raise InvalidURLError(f"no host in {original!r}")
    if host.isascii():
        host = host.lower()
    else:
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            try:
                # IDNA 2003 (what older browsers did) accepts some names IDNA 2008 rejects.
                host = host.encode("idna").decode("ascii").lower()
            except UnicodeError as exc:
                raise InvalidURLError(f"invalid international host in {original!r}") from exc
    if not _HOST_ASCII.fullmatch(host):
        raise InvalidURLError(f"invalid host {host!r} in {original!r}")
    return host


def _canonical_port(port_text: str, scheme: str, original: str) -> str:
    if not port_text:
        return ""
    if not port_text.isascii() or not port_text.isdigit():
        raise InvalidURLError(f"invalid port in {original!r}")
    port = int(port_text)
    if port > 65535:
        raise InvalidURLError(f"port out of range in {original!r}")
    return "" if port == _DEFAULT_PORTS[scheme] else f":{port}"


def _canonical_query(query: str) -> str:
    kept = []
    for piece in query.split("&"):
        if not piece:
            continue
        name = unquote_plus(piece.partition("=")[0]).strip().lower()
        if name in TRACKING_PARAMS or name.startswith(TRACKING_PARAM_PREFIXES):
            continue
        kept.append(_normalise_escapes(piece, _QUERY_SAFE))
    return "&".join(kept)


def _normalise_escapes(text: str, safe: frozenset[str]) -> str:
    """Percent-encoding normalisation (RFC 3986 6.2.2.1-2); idempotent by construction."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "%" and i + 2 < n:
            pair = text[i + 1 : i + 3]
            if pair[0] in _HEX and pair[1] in _HEX:
                decoded = chr(int(pair, 16))
                out.append(decoded if decoded in _UNRESERVED else "%" + pair.upper())
                i += 3
                continue
        if char in safe:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 5.2.4, keeping a trailing slash and repeated slashes as they are."""
    if "." not in path:
        return path
    segments = path.split("/")
    if not any(segment in (".", "..") for segment in segments):
        return path
    out: list[str] = []
    for segment in segments:
        if segment == ".":
            continue
        if segment == "..":
            if len(out) > 1:
                out.pop()
            continue
        out.append(segment)
    if segments[-1] in (".", ".."):
        out.append("")
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result
