"""Parse the date strings found in page metadata and feeds into aware UTC datetimes.

A date without an offset is taken to be UTC: pages rarely say otherwise, and a fixed rule keeps
stored times comparable.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?P<tz>Z|z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?"
)
_COMPACT = re.compile(
    r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:T?(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?$"
)
_EPOCH = re.compile(r"^\d{10}(?:\d{3})?$")
# abbreviations seen in news metadata; email.utils knows only the North American ones
_ZONES = {
    "UT": "+0000", "UTC": "+0000", "GMT": "+0000", "WET": "+0000", "WEST": "+0100",
    "BST": "+0100", "CET": "+0100", "CEST": "+0200", "MEZ": "+0100", "MESZ": "+0200",
    "EET": "+0200", "EEST": "+0300", "MSK": "+0300", "PKT": "+0500", "IST": "+0530",
    "HKT": "+0800", "SGT": "+0800", "JST": "+0900", "KST": "+0900", "AEST": "+1000",
    "AEDT": "+1100", "EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
    "MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
}  # fmt: skip
_ZONE_WORD = re.compile(r"\b([A-Z]{2,4})\b")
# sanity window: metadata sometimes carries 1970-01-01 or far-future placeholders
_MIN_YEAR, _MAX_YEAR = 1990, 2100


def _offset(text: str | None) -> timezone:
    if not text or text.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _build(groups: dict[str, str | None], tz: timezone) -> datetime | None:
    try:
        value = datetime(
            int(groups["y"] or 0),
            int(groups["m"] or 0),
            int(groups["d"] or 0),
            int(groups.get("H") or 0),
            int(groups.get("M") or 0),
            int(groups.get("S") or 0),
            tzinfo=tz,
        )
    except (ValueError, OverflowError):
        return None
    if not _MIN_YEAR <= value.year <= _MAX_YEAR:
        return None
    return value.astimezone(UTC)


def parse_datetime(text: str | None) -> datetime | None:
    """An aware UTC datetime from ISO 8601, RFC 2822, compact or epoch forms; None if unknown."""
    if not text:
        return None
    text = text.strip()
    if _EPOCH.match(text):
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        return datetime.fromtimestamp(seconds, UTC)
    match = _ISO.search(text[:64])
    if match:
        try:
            tz = _offset(match.group("tz"))
        except (ValueError, IndexError):
            tz = UTC
        return _build(match.groupdict(), tz)
    match = _COMPACT.match(text)
    if match:
        return _build(match.groupdict(), UTC)
    text = _ZONE_WORD.sub(lambda m: _ZONES.get(m.group(1), m.group(1)), text)
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if not _MIN_YEAR <= parsed.year <= _MAX_YEAR:
        return None
    return parsed.astimezone(UTC)
