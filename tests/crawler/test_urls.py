"""Canonical URLs: the documented rules, the errors, and properties over generated URLs."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from crawler.urls import (
    TRACKING_PARAM_PREFIXES,
    TRACKING_PARAMS,
    InvalidURLError,
    canonicalize_url,
    url_host,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # scheme and host case, default ports, empty path, fragment
        ("HTTP://PK-Daily.TEST", "http://pk-daily.test/"),
        ("http://pk-daily.test:80/a", "http://pk-daily.test/a"),
        ("https://pk-daily.test:443/a", "https://pk-daily.test/a"),
        ("http://pk-daily.test:443/a", "http://pk-daily.test:443/a"),
        ("https://pk-daily.test:8443/a", "https://pk-daily.test:8443/a"),
        ("http://pk-daily.test:0080/a", "http://pk-daily.test/a"),
        ("http://pk-daily.test:/a", "http://pk-daily.test/a"),
        ("http://pk-daily.test/a#comments", "http://pk-daily.test/a"),
        ("http://pk-daily.test./a", "http://pk-daily.test/a"),
        # path: case kept, dot segments removed, trailing slash and double slashes kept
        ("http://pk-daily.test/News/Story", "http://pk-daily.test/News/Story"),
        ("http://pk-daily.test/a/./b/../c", "http://pk-daily.test/a/c"),
        ("http://pk-daily.test/a/b/..", "http://pk-daily.test/a/"),
        ("http://pk-daily.test/../../a", "http://pk-daily.test/a"),
        ("http://pk-daily.test/a/", "http://pk-daily.test/a/"),
        ("http://pk-daily.test//a//b", "http://pk-daily.test//a//b"),
        # percent-encoding: unreserved decoded, hex uppercased, unsafe encoded, reserved kept
        ("http://pk-daily.test/%7euser/%61", "http://pk-daily.test/~user/a"),
        ("http://pk-daily.test/%e2%82%ac", "http://pk-daily.test/%E2%82%AC"),
        ("http://pk-daily.test/€ 5", "http://pk-daily.test/%E2%82%AC%205"),
        ("http://pk-daily.test/a%2Fb", "http://pk-daily.test/a%2Fb"),
        ("http://pk-daily.test/100%", "http://pk-daily.test/100%25"),
        ("http://pk-daily.test/a%2E%2E/b", "http://pk-daily.test/a../b"),
        ("http://pk-daily.test/x/%2E%2E/b", "http://pk-daily.test/b"),
        ('http://pk-daily.test/<a>"', "http://pk-daily.test/%3Ca%3E%22"),
        ("http://pk-daily.test/a;b=c,d", "http://pk-daily.test/a;b=c,d"),
        # query: tracking removed, order and '+' kept, escapes of '&' and '=' kept
        (
            "http://pk-daily.test/s?utm_source=rss&id=5&utm_medium=feed&page=2&fbclid=X1",
            "http://pk-daily.test/s?id=5&page=2",
        ),
        ("http://pk-daily.test/s?b=2&a=1", "http://pk-daily.test/s?b=2&a=1"),
        ("http://pk-daily.test/s?q=a+b&r=a%20b", "http://pk-daily.test/s?q=a+b&r=a%20b"),
        ("http://pk-daily.test/s?q=a%26b%3Dc", "http://pk-daily.test/s?q=a%26b%3Dc"),
        ("http://pk-daily.test/s?q=naïve", "http://pk-daily.test/s?q=na%C3%AFve"),
        ("http://pk-daily.test/s?UTM_Source=x&Gclid=y&a=1", "http://pk-daily.test/s?a=1"),
        ("http://pk-daily.test/s?utm%5Fsource=x&a=1", "http://pk-daily.test/s?a=1"),
        ("http://pk-daily.test/s?utm_source=x", "http://pk-daily.test/s"),
        ("http://pk-daily.test/s?", "http://pk-daily.test/s"),
        ("http://pk-daily.test/s?&&a=1&&", "http://pk-daily.test/s?a=1"),
        ("http://pk-daily.test/s?a&b=", "http://pk-daily.test/s?a&b="),
        ("http://pk-daily.test/s?xtor=RSS-3&ref=home", "http://pk-daily.test/s?ref=home"),
        ("http://pk-daily.test/s?ns_campaign=x&pk_kwd=y&mtm_source=z", "http://pk-daily.test/s"),
        # http and https, www, user info: kept apart
        ("https://pk-daily.test/a", "https://pk-daily.test/a"),
        ("http://www.pk-daily.test/a", "http://www.pk-daily.test/a"),
        ("http://User:Pw@PK-Daily.test/", "http://User:Pw@pk-daily.test/"),
        # international and IP hosts
        ("http://Bücher.example/x", "http://xn--bcher-kva.example/x"),
        ("http://xn--bcher-kva.example/x", "http://xn--bcher-kva.example/x"),
        ("http://faß.example/", "http://xn--fa-hia.example/"),
        ("http://%70k-daily.test/", "http://pk-daily.test/"),
        ("http://127.0.0.1:8080/feed", "http://127.0.0.1:8080/feed"),
        ("http://[::1]:80/feed", "http://[::1]/feed"),
        ("http://[2001:DB8::1]/", "http://[2001:db8::1]/"),
        # whitespace around and tabs/newlines inside are dropped (as browsers do)
        ("  http://pk-daily.test/a\n ", "http://pk-daily.test/a"),
        ("http://pk-daily.test/a\tb", "http://pk-daily.test/ab"),
    ],
)
def test_canonical_form(url: str, expected: str) -> None:
    assert canonicalize_url(url) == expected
    assert canonicalize_url(expected) == expected


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("/2024/x?utm_source=rss", "http://pk-daily.test/feed/", "http://pk-daily.test/2024/x"),
        ("../x", "http://pk-daily.test/a/b/c", "http://pk-daily.test/a/x"),
        ("?page=2", "http://pk-daily.test/feed/?page=1", "http://pk-daily.test/feed/?page=2"),
        ("//cdn.pk-daily.test/a", "https://pk-daily.test/", "https://cdn.pk-daily.test/a"),
        ("HTTP://other.test/a", "http://pk-daily.test/", "http://other.test/a"),
        ("", "http://pk-daily.test/a#top", "http://pk-daily.test/a"),
    ],
)
def test_relative_urls_resolve_against_base(url: str, base: str, expected: str) -> None:
    assert canonicalize_url(url, base=base) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "pk-daily.test/a",
        "/relative/without/base",
        "ftp://pk-daily.test/a",
        "mailto:desk@pk-daily.test",
        "javascript:alert(1)",
        "tag:pk-daily.test,2024:1",
        "http://",
        "http:///a",
        "http://pk daily.test/",
        "http://pk-daily.test:99999/",
        "http://pk-daily.test:8o/",
        "http://pk-daily.test:80:81/",
        "http://[::1/",
        "http://[::1]x/",
        "http://[zz]/",
        "http://pk<daily>.test/",
        "http://pk..daily.test/",
    ],
)
def test_invalid_urls_raise(url: str) -> None:
    with pytest.raises(InvalidURLError):
        canonicalize_url(url)


def test_invalid_url_error_is_a_value_error() -> None:
    assert issubclass(InvalidURLError, ValueError)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://WWW.PK-Daily.test:8443/x", "www.pk-daily.test"),
        ("http://Bücher.example./", "xn--bcher-kva.example"),
        ("http://user@[::1]:8080/", "[::1]"),
        ("/a", None),
    ],
)
def test_url_host(url: str, host: str | None) -> None:
    if host is None:
        with pytest.raises(InvalidURLError):
            url_host(url)
    else:
        assert url_host(url) == host


def test_tracking_names_are_lowercase() -> None:
    assert all(name == name.lower() for name in TRACKING_PARAMS)
    assert all(prefix == prefix.lower() for prefix in TRACKING_PARAM_PREFIXES)


# ---------------------------------------------------------------------------------------------
# Properties

_LABEL = st.text(string.ascii_letters + string.digits, min_size=1, max_size=10)
_HOSTS = st.lists(_LABEL, min_size=1, max_size=4).map(".".join) | st.sampled_from(
    ["bücher.example", "пример.test", "例え.テスト", "127.0.0.1", "[::1]"]
)
# Path and query text: any printable character, including ones that need escaping, plus
# percent escapes (valid and broken).
_TEXT = st.lists(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(["%41", "%2f", "%zz", "%"]),
    max_size=12,
).map("".join)
_SEGMENTS = st.lists(
    _TEXT.map(lambda s: s.replace("/", "").replace("?", "").replace("#", "").rstrip()), max_size=4
)
# No trailing space: a URL's surrounding spaces are dropped, so one ending the last value would.
_PARAM_TEXT = _TEXT.map(lambda s: s.replace("&", "").replace("=", "").replace("#", "").rstrip())
_PARAMS = st.lists(
    st.tuples(_PARAM_TEXT.filter(lambda s: s.strip() != ""), _PARAM_TEXT), max_size=4
)
_TRACKING = st.lists(
    st.tuples(
        st.sampled_from(sorted(TRACKING_PARAMS))
        | st.sampled_from(TRACKING_PARAM_PREFIXES).map(lambda p: p + "campaign"),
        _PARAM_TEXT,
    ),
    min_size=1,
    max_size=3,
)


@st.composite
def urls(draw: st.DrawFn) -> tuple[str, str, str, str, list[tuple[str, str]]]:
    """(scheme, host, port, path, params) pieces of an http(s) URL."""
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(_HOSTS)
    port = draw(st.sampled_from(["", ":8080", ":1"]))
    path = "/" + "/".join(draw(_SEGMENTS))
    return scheme, host, port, path, draw(_PARAMS)


def _join(scheme: str, host: str, port: str, path: str, params: list[tuple[str, str]]) -> str:
    query = "&".join(f"{k}={v}" for k, v in params)
    return f"{scheme}://{host}{port}{path}" + (f"?{query}" if query else "")


def _is_tracking(name: str) -> bool:
    from urllib.parse import unquote_plus

    key = unquote_plus(name).strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PARAM_PREFIXES)


@given(st.text(max_size=60))
@example("http://a/%2e%2E/%2e")
@example("http://a/b?%")
@example("http://a@b@c/")
def test_idempotent_on_any_text(text: str) -> None:
    try:
        once = canonicalize_url(text)
    except InvalidURLError:
        return
    assert canonicalize_url(once) == once


@given(
    st.text(max_size=40),
    st.one_of(st.none(), st.text(max_size=40), urls().map(lambda p: _join(*p))),
)
def test_only_invalid_url_error_escapes(text: str, base: str | None) -> None:
    try:
        result = canonicalize_url(text, base=base)
    except InvalidURLError:
        return
    assert result.startswith(("http://", "https://"))
    assert canonicalize_url(result) == result


@given(urls())
def test_idempotent_on_urls(parts: tuple[str, str, str, str, list[tuple[str, str]]]) -> None:
    once = canonicalize_url(_join(*parts))
    assert canonicalize_url(once) == once
    assert once.isascii()


@given(urls(), _TRACKING, st.randoms(use_true_random=False))
def test_tracking_parameters_do_not_matter(
    parts: tuple[str, str, str, str, list[tuple[str, str]]],
    tracking: list[tuple[str, str]],
    random: object,
) -> None:
    scheme, host, port, path, params = parts
    assume(not any(_is_tracking(name) for name, _ in params))
    mixed = list(params)
    for item in tracking:
        mixed.insert(random.randrange(len(mixed) + 1), item)  # type: ignore[attr-defined]
    assert canonicalize_url(_join(scheme, host, port, path, mixed)) == canonicalize_url(
        _join(*parts)
    )


@given(urls(), _TEXT)
def test_fragment_does_not_matter(
    parts: tuple[str, str, str, str, list[tuple[str, str]]], fragment: str
) -> None:
    url = _join(*parts)
    assert canonicalize_url(f"{url}#{fragment}") == canonicalize_url(url)


@given(urls(), st.randoms(use_true_random=False))
def test_host_and_scheme_case_do_not_matter(
    parts: tuple[str, str, str, str, list[tuple[str, str]]], random: object
) -> None:
    scheme, host, port, path, params = parts
    flip = "".join(
        c.upper() if random.random() < 0.5 else c  # type: ignore[attr-defined]
        for c in scheme + "\0" + host
    )
    scheme2, host2 = flip.split("\0")
    assert canonicalize_url(_join(scheme2, host2, port, path, params)) == canonicalize_url(
        _join(*parts)
    )


@given(urls())
def test_default_port_does_not_matter(
    parts: tuple[str, str, str, str, list[tuple[str, str]]],
) -> None:
    scheme, host, _, path, params = parts
    default = ":80" if scheme == "http" else ":443"
    assert canonicalize_url(_join(scheme, host, default, path, params)) == canonicalize_url(
        _join(scheme, host, "", path, params)
    )


@given(urls())
def test_relative_resolution_matches_absolute(
    parts: tuple[str, str, str, str, list[tuple[str, str]]],
) -> None:
    scheme, host, port, path, _ = parts
    assume(not path.startswith("//"))  # relative "//x" is a network-path reference
    assume(not path.endswith(";"))  # urllib's urljoin drops an empty trailing ";params"
    absolute = _join(*parts)
    relative = absolute[len(f"{scheme}://{host}{port}") :]
    assert canonicalize_url(relative, base=f"{scheme}://{host}{port}/feed/") == (
        canonicalize_url(absolute)
    )
