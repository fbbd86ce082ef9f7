"""The generated news site of ``bench/crawl.py``: seeded WordPress-like article pages and paged
RSS feeds, written to a folder and served from it on 127.0.0.1, one port per source.

Each source serves ``/robots.txt``, ``/feed/`` (page 1) and ``/feed/?paged=N`` (RSS 2.0, newest
first, ``atom:link rel="next"`` to the following page; ETag and Last-Modified, 304 to a matching
conditional GET) and its articles at ``/YYYY/MM/DD/slug/``. Requests are counted by kind and status.
"""

from __future__ import annotations

import hashlib
import html
import json
import random
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from typing import Any

NEWEST = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)  # fixed, so that a seed gives the same site
LAST_MODIFIED = format_datetime(NEWEST, usegmt=True)

SITE_NAMES = (
    "Daily Courier", "Frontier Herald", "Capital Times", "Indus Chronicle", "Morning Ledger",
    "Evening Standard Post", "Valley Tribune", "Coastal Gazette", "Northern Observer",
    "Citizen Report", "Metro Dispatch", "Plains Sentinel", "Harbour Mail", "Highland Review",
    "National Bulletin", "River City News", "Border Watch", "Summit Journal", "Delta Express",
    "Crescent Daily", "Mountain Voice", "Eastern Record", "Western Clarion", "Union Herald",
)  # fmt: skip
SECTIONS = ("Pakistan", "World", "Business", "Sport", "Opinion", "Technology", "Health", "Culture")
SUBSECTIONS = ("Latest", "Analysis", "Features", "In Pictures")

# --- English-like text -------------------------------------------------------------------------

NOUNS = (
    "government", "minister", "official", "court", "province", "committee", "report", "budget",
    "election", "market", "company", "school", "hospital", "road", "project", "plan", "meeting",
    "agreement", "border", "economy", "price", "tax", "water", "power", "farmer", "worker",
    "student", "teacher", "team", "match", "season", "city", "district", "village", "family",
    "resident", "trader", "bank", "loan", "investment", "policy", "law", "bill", "assembly",
    "party", "leader", "spokesperson", "department", "agency", "authority", "inquiry",
    "statement", "decision", "crisis", "flood", "storm", "crop", "harvest", "export", "import",
    "rate", "fund", "programme", "service", "network", "vaccine", "campaign", "protest", "strike",
    "delegation", "visit", "railway", "airport", "port", "factory", "union", "survey", "study",
    "judge", "lawyer", "police", "festival", "exhibition", "film", "series", "tournament",
    "captain",
)  # fmt: skip
PLURALS = (
    "officials", "residents", "farmers", "workers", "students", "teachers", "traders",
    "families", "villages", "schools", "hospitals", "roads", "projects", "companies", "prices",
    "taxes", "loans", "policies", "laws", "parties", "leaders", "lawmakers", "experts",
    "analysts", "investors", "doctors", "patients", "passengers", "vehicles", "houses",
    "shops", "markets", "cases", "talks", "measures", "reforms", "results", "figures",
    "personnel", "players", "fans", "voters", "candidates",
)  # fmt: skip
VERBS = (
    "announced", "approved", "rejected", "criticised", "welcomed", "launched", "reviewed",
    "discussed", "reported", "confirmed", "denied", "questioned", "promised", "delayed",
    "increased", "reduced", "extended", "completed", "suspended", "defended", "challenged",
    "supported", "opposed", "postponed", "examined", "inaugurated", "restored", "blocked",
)  # fmt: skip
BASE_VERBS = (
    "announce", "approve", "review", "discuss", "support", "complete", "expand", "improve",
    "reduce", "increase", "restore", "consider", "address", "resolve", "strengthen", "monitor",
)  # fmt: skip
ADJECTIVES = (
    "new", "local", "federal", "provincial", "national", "major", "recent", "annual", "senior",
    "public", "private", "key", "final", "joint", "special", "economic", "political", "rural",
    "urban", "foreign", "regional", "official", "long-awaited", "controversial", "early",
    "heavy", "rising", "sharp", "modest", "significant", "temporary", "proposed", "former",
)  # fmt: skip
ADVERBS = (
    "Meanwhile", "However", "Earlier", "Separately", "Later", "In addition", "At the same time",
    "On the other hand", "In a statement", "Last year", "Since then", "For now",
)  # fmt: skip
PREPOSITIONS = ("in", "across", "near", "for", "against", "after", "before", "over", "around")
TIMES = (
    "on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday",
    "on Sunday", "this week", "last month", "next year", "earlier this year", "by June",
)  # fmt: skip
PLACES = (
    "Islamabad", "Lahore", "Karachi", "Peshawar", "Quetta", "Multan", "Faisalabad", "Rawalpindi",
    "Hyderabad", "Sukkur", "Gilgit", "Bannu", "Swat", "Gwadar", "Sialkot", "Abbottabad",
    "Mardan", "Larkana", "Turbat", "Muzaffarabad", "Kabul", "Delhi", "Dubai", "London",
)  # fmt: skip
FIRST_NAMES = (
    "Ahmed", "Sara", "Bilal", "Ayesha", "Imran", "Fatima", "Usman", "Zainab", "Hamza", "Mariam",
    "Faisal", "Hina", "Kamran", "Nadia", "Tariq", "Sana", "Asad", "Rabia", "Omar", "Amna",
)  # fmt: skip
LAST_NAMES = (
    "Khan", "Malik", "Qureshi", "Hussain", "Siddiqui", "Baloch", "Chaudhry", "Shah", "Butt",
    "Raza", "Iqbal", "Mirza", "Sheikh", "Abbasi", "Jamali", "Afridi", "Yousafzai", "Rehman",
)  # fmt: skip
ROLES = ("spokesperson", "chairman", "director", "secretary", "head", "adviser", "chief")
ORGS = (
    "the finance ministry", "the State Bank", "the Supreme Court", "the National Assembly",
    "the Election Commission", "the provincial cabinet", "the World Bank", "the chamber of "
    "commerce", "the health department", "the planning commission", "the city council",
    "the water authority", "the police department", "the education board",
    "the cricket board", "the energy regulator", "the traders' association", "the senate",
)  # fmt: skip
# Rare on purpose: about one article in five holds one of these and matches a default watch.
SECURITY = (
    "Militants attacked a police checkpoint near {place}, officials said.",
    "The CTD said it had arrested {n} suspects in an intelligence-based operation in {place}.",
    "A blast near a market in {place} injured {n} people, police said.",
    "Customs officials in {place} said they had seized {n} kilograms of hashish from a truck.",
)
SECURITY_RATE = 0.004  # per sentence; an article has about 60
CLAUSES = (
    "officials said", "a statement said", "sources said", "according to the report",
    "the spokesperson added", "residents said", "witnesses told reporters", "it was learnt",
)  # fmt: skip


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class TextMaker:
    """Sentences, titles and names from the word lists above, driven by one seeded Random."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.c = rng.choice

    def person(self) -> str:
        return f"{self.c(FIRST_NAMES)} {self.c(LAST_NAMES)}"

    def sentence(self) -> str:
        c, rng = self.c, self.rng
        if rng.random() < SECURITY_RATE:
            return c(SECURITY).format(place=c(PLACES), n=rng.randint(2, 40))
        kind = rng.randrange(8)
        if kind == 0:
            s = (
                f"the {c(ADJECTIVES)} {c(NOUNS)} {c(VERBS)} the {c(NOUNS)} {c(PREPOSITIONS)} "
                f"{c(PLACES)} {c(TIMES)}"
            )
        elif kind == 1:
            s = (
                f"{self.person()}, the {c(ROLES)} of {c(ORGS)}, said the {c(NOUNS)} would "
                f"{c(BASE_VERBS)} the {c(ADJECTIVES)} {c(NOUNS)} {c(TIMES)}"
            )
        elif kind == 2:
            s = (
                f"according to {c(ORGS)}, {rng.randint(3, 950)} {c(PLURALS)} were affected by "
                f"the {c(ADJECTIVES)} {c(NOUNS)} {c(PREPOSITIONS)} {c(PLACES)}"
            )
        elif kind == 3:
            s = (
                f"\u201cWe will {c(BASE_VERBS)} the {c(NOUNS)} and {c(BASE_VERBS)} the "
                f"{c(ADJECTIVES)} {c(NOUNS)},\u201d {self.person()} told reporters {c(TIMES)}"
            )
        elif kind == 4:
            s = (
                f"{c(ADVERBS)}, the {c(NOUNS)} {c(VERBS)} the {c(ADJECTIVES)} {c(NOUNS)} of "
                f"{c(PLACES)}, {c(CLAUSES)}"
            )
        elif kind == 5:
            s = (
                f"officials in {c(PLACES)} said {c(PLURALS)} had {c(VERBS)} the {c(ADJECTIVES)} "
                f"{c(NOUNS)} after a {c(NOUNS)} {c(PREPOSITIONS)} the {c(NOUNS)}"
            )
        elif kind == 6:
            s = (
                f"{c(ORGS)} {c(VERBS)} a {c(ADJECTIVES)} {c(NOUNS)} worth Rs{rng.randint(2, 90)} "
                f"billion for {c(PLURALS)} in {c(PLACES)} and {c(PLACES)}, {c(CLAUSES)}"
            )
        else:
            s = (
                f"the {c(NOUNS)} of {c(PLURALS)} and {c(PLURALS)} {c(VERBS)} {c(TIMES)}, while "
                f"{c(PLURALS)} {c(PREPOSITIONS)} {c(PLACES)} {c(VERBS)} the {c(NOUNS)}"
            )
        return _cap(s) + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(1, 4)))

    def title(self) -> str:
        c = self.c
        kind = self.rng.randrange(3)
        if kind == 0:
            words = f"{c(PLACES)} {c(PLURALS)} {c(VERBS)} {c(ADJECTIVES)} {c(NOUNS)} plan"
        elif kind == 1:
            words = f"{_cap(c(ADJECTIVES))} {c(NOUNS)} {c(VERBS)} {c(PREPOSITIONS)} {c(PLACES)}"
        else:
            words = f"{_cap(c(NOUNS))} {c(VERBS)} as {c(PLURALS)} await {c(ADJECTIVES)} {c(NOUNS)}"
        return " ".join(_cap(w) if len(w) > 3 else w for w in words.split())


# --- the site's model --------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    source: str
    number: int  # WordPress post id
    title: str
    slug_path: str  # /2025/05/31/slug-words-1234/
    published: datetime
    author: str
    section: str
    tags: tuple[str, ...]
    excerpt: str
    seed: str


@dataclass
class SourceSite:
    name: str
    site_name: str
    server: ThreadingHTTPServer
    articles: list[Article] = field(default_factory=list)  # newest first

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def feed_url(self) -> str:
        return self.url("/feed/")


def _slug(title: str) -> str:
    return "-".join(w.lower().strip(",.\u201c\u201d'") for w in title.split())


# --- pages -----------------------------------------------------------------------------------

_CSS_VARS = "".join(
    f"--wp--preset--{kind}--{name}: {value};"
    for kind, values in {
        "color": {f"c{i}": f"#{i * 123457 % 0xFFFFFF:06x}" for i in range(24)},
        "gradient": {
            f"g{i}": f"linear-gradient(135deg,#{i * 7919 % 0xFFFFFF:06x} 0%,"
            f"#{i * 104729 % 0xFFFFFF:06x} 100%)"
            for i in range(12)
        },
        "font-size": {n: f"{i * 0.25 + 0.8:.2f}rem" for i, n in enumerate(("s", "m", "l", "xl"))},
        "spacing": {str(i * 10): f"{i * 0.5:.1f}rem" for i in range(1, 10)},
        "shadow": {f"s{i}": f"{i}px {i}px {2 * i}px rgba(0,0,0,.{i})" for i in range(1, 6)},
    }.items()
    for name, value in values.items()
)
GLOBAL_CSS = (
    f"body{{{_CSS_VARS}}}"
    + "".join(
        f".has-c{i}-color{{color: var(--wp--preset--color--c{i}) !important;}}"
        f".has-c{i}-background-color{{background-color: var(--wp--preset--color--c{i}) "
        "!important;}"
        for i in range(24)
    )
    + ".wp-block-button__link{color:#fff;background-color:#32373c;border-radius:9999px;}"
    + ".site-header .main-navigation ul li a{padding:12px 14px;font-weight:600;}"
)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _date(when: datetime) -> str:
    return f"{when:%B} {when.day}, {when:%Y}"


def _thumb(site: SourceSite, article: Article, size: str) -> str:
    return site.url(
        f"/wp-content/uploads/{article.published:%Y/%m}/img-{article.number}-{size}.jpg"
    )


def _menu(site: SourceSite) -> str:
    items = []
    for section in SECTIONS:
        slug = section.lower()
        subs = "".join(
            f'<li class="menu-item menu-item-type-taxonomy"><a href="{site.base}/category/'
            f'{slug}/{_slug(sub)}/">{sub}</a></li>'
            for sub in SUBSECTIONS
        )
        items.append(
            f'<li class="menu-item menu-item-type-taxonomy menu-item-has-children">'
            f'<a href="{site.url(f"/category/{slug}/")}">{section}</a>'
            f'<ul class="sub-menu">{subs}</ul></li>'
        )
    return "".join(items)


def _link_list(site: SourceSite, articles: Sequence[Article], css: str, thumbs: bool) -> str:
    out = []
    for other in articles:
        image = (
            f'<a class="thumb" href="{site.url(other.slug_path)}"><img width="150" height="100" '
            f'src="{_thumb(site, other, "150x100")}" alt="{_e(other.title)}" loading="lazy" '
            f'decoding="async"></a>'
            if thumbs
            else ""
        )
        out.append(
            f'<li class="{css}-item">{image}<div class="{css}-text"><h4 class="{css}-title">'
            f'<a href="{site.url(other.slug_path)}">{_e(other.title)}</a></h4>'
            f'<span class="{css}-date"><i class="icon-clock"></i> {_date(other.published)}</span>'
            "</div></li>"
        )
    return "".join(out)


def _body(text: TextMaker, site: SourceSite, others: Sequence[Article]) -> tuple[str, int]:
    """The article's entry-content HTML and its word count (600 to 1200 words)."""
    rng = text.rng
    target = rng.randint(600, 1200)
    words, parts = 0, []
    while words < target:
        paragraph = text.paragraph()
        words += paragraph.count(" ") + 1
        parts.append(f"<p>{_e(paragraph)}</p>")
        roll = rng.random()
        if roll < 0.06:
            parts.append(f"<h2>{_e(text.title())}</h2>")
        elif roll < 0.09:
            quote = text.sentence()
            parts.append(
                f'<blockquote class="wp-block-quote"><p>{_e(quote)}</p>'
                f"<cite>{_e(text.person())}</cite></blockquote>"
            )
        elif roll < 0.11 and others:
            other = rng.choice(others)
            parts.append(
                f'<p><strong>Also read: <a href="{site.url(other.slug_path)}">'
                f"{_e(other.title)}</a></strong></p>"
            )
        elif roll < 0.12:
            parts.append(
                '<div class="code-block code-block-3" style="margin: 8px 0; clear: both;">'
                '<ins class="adsbygoogle" style="display:block" data-ad-client="ca-pub-000" '
                'data-ad-slot="1234567890" data-ad-format="auto"></ins>'
                "<script>(adsbygoogle = window.adsbygoogle || []).push({});</script></div>"
            )
    return "".join(parts), words


def _json_ld(site: SourceSite, article: Article, url: str, words: int) -> str:
    published = article.published.isoformat()
    modified = (article.published + timedelta(hours=2)).isoformat()
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "NewsArticle",
                "@id": f"{url}#article",
                "isPartOf": {"@id": url},
                "author": {"name": article.author, "@id": f"{site.base}/#/schema/person/a"},
                "headline": article.title,
                "datePublished": published,
                "dateModified": modified,
                "mainEntityOfPage": {"@id": url},
                "wordCount": words,
                "publisher": {"@id": f"{site.base}/#organization"},
                "image": {"@id": f"{url}#primaryimage"},
                "thumbnailUrl": _thumb(site, article, "1200x675"),
                "keywords": list(article.tags),
                "articleSection": [article.section],
                "inLanguage": "en-US",
            },
            {
                "@type": "WebPage",
                "@id": url,
                "url": url,
                "name": f"{article.title} - {site.site_name}",
                "isPartOf": {"@id": f"{site.base}/#website"},
                "datePublished": published,
                "dateModified": modified,
                "breadcrumb": {"@id": f"{url}#breadcrumb"},
                "inLanguage": "en-US",
            },
            {
                "@type": "BreadcrumbList",
                "@id": f"{url}#breadcrumb",
                "itemListElement": [
                    {"@type": "ListItem", "position": 1, "name": "Home", "item": site.base + "/"},
                    {"@type": "ListItem", "position": 2, "name": article.title},
                ],
            },
            {
                "@type": "Organization",
                "@id": f"{site.base}/#organization",
                "name": site.site_name,
                "url": site.base + "/",
                "logo": {"@type": "ImageObject", "url": site.url("/wp-content/logo.png")},
            },
            {
                "@type": "Person",
                "@id": f"{site.base}/#/schema/person/a",
                "name": article.author,
                "url": site.url(f"/author/{_slug(article.author)}/"),
            },
        ],
    }
    return json.dumps(graph, ensure_ascii=False).replace("</", "<\\/")


PAGE = Template((Path(__file__).resolve().parent / "crawl_page.html").read_text("utf-8"))


def render_article(site: SourceSite, article: Article, index: int) -> bytes:
    """The article page: a WordPress news theme around 600-1200 generated words."""
    text = TextMaker(random.Random(article.seed + ":body"))
    rng = text.rng
    url = site.url(article.slug_path)
    others = site.articles[max(0, index - 10) : index] + site.articles[index + 1 : index + 11]
    body, words = _body(text, site, others)
    published, modified = article.published, article.published + timedelta(hours=2)
    related = rng.sample(site.articles, min(6, len(site.articles)))
    author_slug = _slug(article.author)
    image = _thumb(site, article, "1200x675")
    share = "".join(
        f'<a class="share-{n.lower()}" href="https://share.example/{n.lower()}?u={_e(url)}" '
        f'target="_blank" rel="nofollow noopener"><i class="icon-{n.lower()}"></i>'
        f'<span class="share-label">{n}</span></a>'
        for n in ("Facebook", "Twitter", "WhatsApp", "LinkedIn", "Email")
    )
    navigation = []
    if index + 1 < len(site.articles):
        prev = site.articles[index + 1]
        navigation.append(
            f'<div class="nav-previous"><a href="{site.url(prev.slug_path)}" rel="prev">'
            f'<span class="meta-nav">Previous</span> {_e(prev.title)}</a></div>'
        )
    if index > 0:
        following = site.articles[index - 1]
        navigation.append(
            f'<div class="nav-next"><a href="{site.url(following.slug_path)}" rel="next">'
            f'<span class="meta-nav">Next</span> {_e(following.title)}</a></div>'
        )
    values = {
        "base": site.base,
        "url": url,
        "number": str(article.number),
        "title": _e(article.title),
        "site_name": _e(site.site_name),
        "excerpt": _e(article.excerpt),
        "section": article.section,
        "section_slug": article.section.lower(),
        "section_url": site.url(f"/category/{article.section.lower()}/"),
        "tags_meta": "".join(
            f'<meta property="article:tag" content="{_e(t)}">' for t in article.tags
        ),
        "tags_links": ", ".join(
            f'<a href="{site.url(f"/tag/{_slug(t)}/")}" rel="tag">{_e(t)}</a>' for t in article.tags
        ),
        "published_iso": published.isoformat(),
        "modified_iso": modified.isoformat(),
        "published_text": _date(published),
        "modified_text": _date(modified),
        "today": f"{NEWEST:%A, %B %d, %Y}",
        "image": image,
        "srcset": ", ".join(
            f"{_thumb(site, article, size)} {size.split('x')[0]}w"
            for size in ("1200x675", "768x432", "300x169")
        ),
        "author": _e(article.author),
        "author_slug": author_slug,
        "author_url": site.url(f"/author/{author_slug}/"),
        "author_bio": _e(text.sentence()),
        "caption": _e(text.sentence()),
        "comments": str(rng.randint(0, 24)),
        "minutes": str(max(1, words // 230)),
        "json_ld": _json_ld(site, article, url, words),
        "global_css": GLOBAL_CSS,
        "stylesheets": "".join(
            f"<link rel='stylesheet' id='{n}-css' href='{site.base}/wp-content/{n}.css?ver=6.4.3'"
            " media='all'>"
            for n in ("wp-block-library", "classic-theme-styles", "newspress-style", "fonts")
        ),
        "footer_scripts": "".join(
            f"<script src='{site.base}/wp-content/js/{n}.min.js?ver=2.1.{i}' id='{n}-js'></script>"
            for i, n in enumerate(("navigation", "skip-link-focus", "sticky", "slick", "main"))
        ),
        "nonce": hashlib.md5(article.seed.encode()).hexdigest()[:10],
        "menu": _menu(site),
        "ticker": _link_list(site, site.articles[:5], "ticker", False),
        "share": share,
        "body": body,
        "post_navigation": "\n".join(navigation),
        "related": _link_list(site, related, "related", True),
        "must_read": _link_list(
            site, rng.sample(site.articles, min(8, len(site.articles))), "must-read", True
        ),
        "recent": _link_list(site, site.articles[:5], "recent", False),
        "popular": _link_list(site, related[:4], "popular", False),
        "categories": "".join(
            f'<li class="cat-item"><a href="{site.url(f"/category/{s.lower()}/")}">{s}</a> '
            f"({100 + 37 * i})</li>"
            for i, s in enumerate(SECTIONS)
        ),
    }
    return PAGE.substitute(values).encode("utf-8")


def render_feed(site: SourceSite, page: int, per_page: int, pages: int) -> bytes:
    """Feed page ``page`` (1-based): a WordPress RSS 2.0 document with ``rel="next"`` paging."""
    entries = site.articles[(page - 1) * per_page : page * per_page]
    self_url = site.feed_url if page == 1 else site.url(f"/feed/?paged={page}")
    next_link = (
        f'<atom:link href="{site.url(f"/feed/?paged={page + 1}")}" rel="next" '
        'type="application/rss+xml" />'
        if page < pages
        else ""
    )
    items = []
    for article in entries:
        url = site.url(article.slug_path)
        categories = "".join(
            f"<category><![CDATA[{c}]]></category>" for c in (article.section, *article.tags)
        )
        items.append(
            f"""	<item>
		<title>{_e(article.title)}</title>
		<link>{url}</link>
		<comments>{url}#respond</comments>
		<dc:creator><![CDATA[{article.author}]]></dc:creator>
		<pubDate>{format_datetime(article.published, usegmt=True)}</pubDate>
		{categories}
		<guid isPermaLink="false">{site.url(f"/?p={article.number}")}</guid>
		<description><![CDATA[{article.excerpt} [&#8230;]]]></description>
		<wfw:commentRss>{url}feed/</wfw:commentRss>
		<slash:comments>0</slash:comments>
	</item>
"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel>
	<title>{_e(site.site_name)}</title>
	<atom:link href="{self_url}" rel="self" type="application/rss+xml" />
	{next_link}
	<link>{site.base}/</link>
	<description>News, views and analysis from across the region</description>
	<lastBuildDate>{LAST_MODIFIED}</lastBuildDate>
	<language>en-US</language>
	<sy:updatePeriod>hourly</sy:updatePeriod>
	<sy:updateFrequency>1</sy:updateFrequency>
	<generator>https://wordpress.org/?v=6.4.3</generator>
{"".join(items)}</channel>
</rss>
""".encode()


# --- generation ------------------------------------------------------------------------------


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` articles over ``parts`` sources, unevenly (weights 0.5 to 1.5), each >= 1."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    counts = [max(1, int(total * w / sum(weights))) for w in weights]
    counts[counts.index(max(counts))] += total - sum(counts)
    return counts


@dataclass
class Stats:
    """Requests the site answered, by kind (robots, feed, feed_next, article, other) and status."""

    counts: Counter[tuple[str, int]] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, status: int) -> None:
        with self.lock:
            self.counts[(kind, status)] += 1

    def take(self) -> dict[str, Any]:
        """The counts so far, summed by kind and by status; the log starts afresh."""
        with self.lock:
            counts, self.counts = self.counts, Counter()
        by_kind: Counter[str] = Counter()
        by_status: Counter[str] = Counter()
        for (kind, status), n in counts.items():
            by_kind[kind] += n
            by_status[str(status)] += n
        return {
            "total": sum(counts.values()),
            "by_kind": dict(by_kind),
            "by_status": dict(by_status),
        }


@dataclass
class BenchSite:
    """The generated sources, the folder holding their files, and the request counts."""

    folder: Path
    sources: list[SourceSite]
    per_page: int
    stats: Stats = field(default_factory=Stats)
    files: dict[tuple[str, str], tuple[Path, str]] = field(default_factory=dict)

    @property
    def articles(self) -> int:
        return sum(len(s.articles) for s in self.sources)

    @property
    def max_feed_pages(self) -> int:
        return max(-(-len(s.articles) // self.per_page) for s in self.sources)

    def article_urls(self) -> list[tuple[str, str]]:
        """(source name, URL) of every article, in feed order."""
        return [(s.name, s.url(a.slug_path)) for s in self.sources for a in s.articles]

    def sources_toml(self) -> str:
        return "".join(
            f'[[sources]]\nname = "{s.name}"\nfeeds = ["{s.feed_url}"]\n\n' for s in self.sources
        )


def generate(folder: Path, *, articles: int, sources: int, per_page: int, seed: int) -> BenchSite:
    """Bind one server per source, then write every feed page and article page under ``folder``.

    Servers are bound first because pages hold absolute URLs with the servers' ports; the text
    of the site depends on ``seed`` only.
    """
    rng = random.Random(seed)
    counts = _split(articles, sources, rng)
    site = BenchSite(folder, [], per_page)
    number = 1000
    for i, count in enumerate(counts):
        name = _slug(SITE_NAMES[i % len(SITE_NAMES)]) + (f"-{i}" if i >= len(SITE_NAMES) else "")
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site, name))
        server.daemon_threads = True
        source = SourceSite(name, SITE_NAMES[i % len(SITE_NAMES)], server)
        when = NEWEST
        for _ in range(count):
            number += 1
            meta = TextMaker(random.Random(f"{seed}:{number}"))
            title = meta.title()
            when -= timedelta(minutes=meta.rng.randint(5, 240))
            source.articles.append(
                Article(
                    source=name,
                    number=number,
                    title=title,
                    slug_path=f"/{when:%Y/%m/%d}/{_slug(title)}-{number}/",
                    published=when,
                    author=meta.person(),
                    section=meta.rng.choice(SECTIONS),
                    tags=tuple(meta.rng.sample(PLACES, 2)),
                    excerpt=" ".join(meta.sentence() for _ in range(3)),
                    seed=f"{seed}:{number}",
                )
            )
        site.sources.append(source)
    for source in site.sources:
        root = folder / source.name
        (root / "feed").mkdir(parents=True)
        robots = root / "robots.txt"
        robots.write_text("User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n")
        site.files[(source.name, "/robots.txt")] = (robots, "text/plain; charset=utf-8")
        pages = -(-len(source.articles) // per_page)
        for page in range(1, pages + 1):
            path = root / "feed" / f"{page}.xml"
            path.write_bytes(render_feed(source, page, per_page, pages))
            key = "/feed/" if page == 1 else f"/feed/?paged={page}"
            site.files[(source.name, key)] = (path, "application/rss+xml; charset=UTF-8")
        for index, article in enumerate(source.articles):
            path = root / "articles" / f"{article.number}.html"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(render_article(source, article, index))
            site.files[(source.name, article.slug_path)] = (path, "text/html; charset=UTF-8")
    return site


# --- serving ---------------------------------------------------------------------------------


def _kind(path: str) -> str:
    if path == "/robots.txt":
        return "robots"
    if path == "/feed/":
        return "feed"
    if path.startswith("/feed/?paged="):
        return "feed_next"
    if path.count("/") == 5 and path[1:5].isdigit():
        return "article"
    return "other"


def _handler(site: BenchSite, source: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real server

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            path = self.path.split("#")[0]
            kind = _kind(path)
            found = site.files.get((source, path))
            headers: dict[str, str] = {}
            if found is None:
                status, body, headers["Content-Type"] = 404, b"not found", "text/plain"
            else:
                status, body = 200, found[0].read_bytes()
                headers["Content-Type"] = found[1]
                if kind.startswith("feed"):
                    etag = '"' + hashlib.md5(body).hexdigest() + '"'
                    headers.update({"ETag": etag, "Last-Modified": LAST_MODIFIED})
                    if self.headers.get("If-None-Match") == etag or (
                        not self.headers.get("If-None-Match")
                        and self.headers.get("If-Modified-Since") == LAST_MODIFIED
                    ):
                        status, body = 304, b""
            site.stats.add(kind, status)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def serving(site: BenchSite) -> Iterator[BenchSite]:
    """Serve every source's port in its own thread until the block ends."""
    threads = [
        threading.Thread(target=s.server.serve_forever, daemon=True, name=f"site-{s.name}")
        for s in site.sources
    ]
    for thread in threads:
        thread.start()
    try:
        yield site
    finally:
        for source in site.sources:
            source.server.shutdown()
            source.server.server_close()


def article_sizes(site: BenchSite) -> list[int]:
    return sorted(
        path.stat().st_size for (_, key), (path, _) in site.files.items() if key.count("/") == 5
    )


def median(values: Sequence[int]) -> int:
    return sorted(values)[len(values) // 2] if values else 0
