"""Build the alert e-mails: one article, or a watch's digest, as multipart text and HTML.

Pure functions over plain dataclasses (no database, no settings). Everything taken from an
article is escaped; Message-IDs are derived from database ids only, so a resend keeps its id.
"""

from __future__ import annotations

import html
import re
import textwrap
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

MESSAGE_ID_DOMAIN = "newswatch"
SUBJECT_HEADLINE_MAX = 140
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Item:
    """One matched article as a message shows it."""

    headline: str | None
    url: str
    source: str
    published_at: datetime | None
    matched_at: datetime
    snippet: str = ""
    highlights: tuple[Any, ...] = ()
    terms: tuple[str, ...] = ()
    other_sources: tuple[str, ...] = field(default=())
    changed: str | None = None  # for a match on an updated article: what the update added


def slug(name: str) -> str:
    """``"Acme Earnings!"`` -> ``"acme-earnings"``; ASCII letters, digits and dashes only."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return cleaned[:60].strip("-") or "watch"


def alert_message_id(alert_id: int, watch_name: str) -> str:
    return f"<alert-{alert_id}.{slug(watch_name)}@{MESSAGE_ID_DOMAIN}>"


def digest_message_id(first_alert_id: int, watch_name: str) -> str:
    return f"<digest-{first_alert_id}.{slug(watch_name)}@{MESSAGE_ID_DOMAIN}>"


def list_id(watch_name: str) -> str:
    """RFC 2919 List-Id: the watch's name as the phrase, its slug as the label."""
    phrase = one_line(watch_name).replace("\\", "").replace('"', "")
    return f'"{phrase}" <{slug(watch_name)}.{MESSAGE_ID_DOMAIN}>'


def one_line(text: str) -> str:
    """Collapse whitespace (and so CR/LF, which would break a header) to single spaces."""
    return _SPACE.sub(" ", text).strip()


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def headline_of(item: Item) -> str:
    return one_line(item.headline or "") or "(untitled)"


def safe_href(url: str) -> str | None:
    """The URL if it is http(s), else None: a ``javascript:`` link is never rendered."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in {"http", "https"} else None


def when(value: datetime | None) -> str:
    return "unknown" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


# --- highlights ------------------------------------------------------------------------------


def spans(snippet: str, highlights: Iterable[Any]) -> list[tuple[int, int]]:
    """Valid ``[start, end)`` spans inside the snippet, sorted and merged; junk is dropped."""
    found: list[tuple[int, int]] = []
    for entry in highlights:
        if not isinstance(entry, list | tuple) or len(entry) != 2:
            continue
        start, end = entry
        if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool):
            continue
        start, end = max(0, start), min(len(snippet), end)
        if start < end:
            found.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _pieces(snippet: str, highlights: Iterable[Any]) -> list[tuple[str, bool]]:
    pieces: list[tuple[str, bool]] = []
    position = 0
    for start, end in spans(snippet, highlights):
        if start > position:
            pieces.append((snippet[position:start], False))
        pieces.append((snippet[start:end], True))
        position = end
    if position < len(snippet):
        pieces.append((snippet[position:], False))
    return pieces


def highlight_text(snippet: str, highlights: Iterable[Any]) -> str:
    """Matched terms in ``[brackets]`` for the text part."""
    return "".join(f"[{text}]" if marked else text for text, marked in _pieces(snippet, highlights))


def highlight_html(snippet: str, highlights: Iterable[Any]) -> str:
    """Escaped snippet with matched terms in ``<mark>``."""
    return "".join(
        f"<mark>{html.escape(text)}</mark>" if marked else html.escape(text)
        for text, marked in _pieces(snippet, highlights)
    )


# --- bodies ----------------------------------------------------------------------------------


def _item_text(item: Item) -> list[str]:
    lines = [headline_of(item), item.url, f"Source: {one_line(item.source)}"]
    lines.append(f"Published: {when(item.published_at)}")
    if item.terms:
        lines.append("Matched: " + ", ".join(one_line(t) for t in item.terms))
    if item.snippet:
        text = one_line(highlight_text(item.snippet, item.highlights))
        lines.append("")
        lines.append(
            textwrap.fill(
                text,
                76,
                initial_indent="  ",
                subsequent_indent="  ",
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    if item.changed:
        lines.append("")
        lines.append(one_line(item.changed))
    if item.other_sources:
        lines.append("")
        lines.append("Also reported by: " + ", ".join(one_line(s) for s in item.other_sources))
    return lines


def _item_html(item: Item, heading: str) -> str:
    title = html.escape(headline_of(item))
    href = safe_href(item.url)
    linked = f'<a href="{html.escape(href, quote=True)}">{title}</a>' if href else title
    parts = [
        f'<{heading} style="margin:0 0 4px">{linked}</{heading}>',
        '<p style="margin:0;color:#555">'
        f"{html.escape(one_line(item.source))} &middot; {html.escape(when(item.published_at))}"
        "</p>",
    ]
    if item.terms:
        terms = ", ".join(html.escape(one_line(t)) for t in item.terms)
        parts.append(f'<p style="margin:4px 0;color:#555">Matched: {terms}</p>')
    if item.snippet:
        parts.append(
            '<blockquote style="margin:8px 0;padding-left:8px;border-left:3px solid #ccc">'
            f"{highlight_html(item.snippet, item.highlights)}</blockquote>"
        )
    if item.changed:
        parts.append(f'<p style="margin:4px 0">{html.escape(one_line(item.changed))}</p>')
    if item.other_sources:
        others = ", ".join(html.escape(one_line(s)) for s in item.other_sources)
        parts.append(f'<p style="margin:4px 0">Also reported by: {others}</p>')
    return "\n".join(parts)


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n"
        f'<body style="font-family:sans-serif">\n{body}\n</body></html>\n'
    )


def _footer(watch_name: str) -> str:
    return f'You receive this as a recipient of the newswatch watch "{one_line(watch_name)}".'


def _message(
    *,
    subject: str,
    watch_name: str,
    recipient: str,
    mail_from: str,
    message_id: str,
    now: datetime,
    text: str,
    html_body: str,
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = mail_from
    message["To"] = recipient
    message["Date"] = format_datetime(now.astimezone(UTC))
    message["Message-ID"] = message_id
    message["List-Id"] = list_id(watch_name)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Newswatch-Watch"] = one_line(watch_name)
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html_body, subtype="html", cte="quoted-printable")
    for part in message.iter_parts():
        del part["MIME-Version"]  # belongs to the message only; add_alternative copies it
    return message


def alert_subject(watch_name: str, item: Item) -> str:
    return f"[{one_line(watch_name)}] {shorten(headline_of(item), SUBJECT_HEADLINE_MAX)}"


def digest_subject(watch_name: str, count: int) -> str:
    noun = "match" if count == 1 else "matches"
    return f"[{one_line(watch_name)}] Digest: {count} new {noun}"


def alert_text(watch_name: str, item: Item) -> str:
    return "\n".join([*_item_text(item), "", "-- ", _footer(watch_name)]) + "\n"


def compose_alert(
    item: Item,
    *,
    watch_name: str,
    recipient: str,
    mail_from: str,
    message_id: str,
    now: datetime,
) -> EmailMessage:
    """The e-mail for one matched article."""
    subject = alert_subject(watch_name, item)
    html_body = _page(
        subject,
        _item_html(item, "h2")
        + f'\n<p style="color:#888;font-size:small">{html.escape(_footer(watch_name))}</p>',
    )
    return _message(
        subject=subject,
        watch_name=watch_name,
        recipient=recipient,
        mail_from=mail_from,
        message_id=message_id,
        now=now,
        text=alert_text(watch_name, item),
        html_body=html_body,
    )


def newest_first(items: Iterable[Item]) -> list[Item]:
    """Digest order: published time (else match time), newest first."""
    return sorted(items, key=lambda i: i.published_at or i.matched_at, reverse=True)


def source_counts(items: Sequence[Item]) -> list[tuple[str, int]]:
    """``[(source, n), ...]`` most first, then by name."""
    counts = Counter(one_line(i.source) for i in items)
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def digest_summary(items: Sequence[Item]) -> str:
    counts = source_counts(items)
    noun = "match" if len(items) == 1 else "matches"
    sources = "source" if len(counts) == 1 else "sources"
    listed = ", ".join(f"{name} {n}" for name, n in counts)
    return f"{len(items)} new {noun} from {len(counts)} {sources}: {listed}"


def digest_text(watch_name: str, items: Sequence[Item]) -> str:
    ordered = newest_first(items)
    lines = [f"newswatch digest for {one_line(watch_name)}", digest_summary(ordered), ""]
    for number, item in enumerate(ordered, 1):
        item_lines = _item_text(item)
        lines.append(f"{number}. {item_lines[0]}")
        lines.extend(("   " + line) if line else "" for line in item_lines[1:])
        lines.append("")
    return "\n".join([*lines, "-- ", _footer(watch_name)]) + "\n"


def compose_digest(
    items: Sequence[Item],
    *,
    watch_name: str,
    recipient: str,
    mail_from: str,
    message_id: str,
    now: datetime,
) -> EmailMessage:
    """The e-mail for a watch's digest: a count, then each article, newest first."""
    ordered = newest_first(items)
    subject = digest_subject(watch_name, len(ordered))
    entries = "\n".join(
        f'<li style="margin-bottom:16px">{_item_html(i, "h3")}</li>' for i in ordered
    )
    body = (
        f"<h2>newswatch digest for {html.escape(one_line(watch_name))}</h2>\n"
        f"<p>{html.escape(digest_summary(ordered))}</p>\n"
        f'<ol style="padding-left:20px">\n{entries}\n</ol>\n'
        f'<p style="color:#888;font-size:small">{html.escape(_footer(watch_name))}</p>'
    )
    return _message(
        subject=subject,
        watch_name=watch_name,
        recipient=recipient,
        mail_from=mail_from,
        message_id=message_id,
        now=now,
        text=digest_text(watch_name, ordered),
        html_body=_page(subject, body),
    )
