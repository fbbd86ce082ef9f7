"""Parse human durations such as ``90s``, ``15m``, ``4h``, ``7d`` (config files and CLIs)."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """``"15m"`` -> ``timedelta(minutes=15)``; raises ``ValueError`` on anything else."""
    found = _DURATION.match(text)
    if not found:
        raise ValueError(f"{text!r} is not a duration like 90s, 15m, 4h, 7d or 2w")
    seconds = float(found.group(1)) * _UNITS[found.group(2).lower()]
    if seconds <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    return timedelta(seconds=seconds)
