"""The default outbox when no SMTP server is configured: one ``.eml`` file per message.

Writes under ``AppConfig.outbox_dir`` (``data/outbox/``). Each file is named from the
Message-ID and written atomically (temporary file, fsync, rename), so a resend replaces it.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from pathlib import Path

logger = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")


def eml_name(message_id: str) -> str:
    """``<alert-7.acme@newswatch>`` -> ``alert-7.acme@newswatch.eml``."""
    stem = _UNSAFE.sub("_", message_id.strip().strip("<>")).strip("._") or "message"
    return stem[:200] + ".eml"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class EmlOutbox:
    """A sender that files each message as ``<dir>/<message-id>.eml``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def description(self) -> str:
        return f"{self.directory}/"

    def __enter__(self) -> EmlOutbox:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def close(self) -> None:
        return None

    def path_for(self, message: EmailMessage) -> Path:
        return self.directory / eml_name(str(message["Message-ID"] or ""))

    def send(self, message: EmailMessage, recipients: Sequence[str]) -> None:
        path = self.path_for(message)
        write_atomic(path, message.as_bytes(policy=policy.default))
        logger.debug("wrote %s for %s", path, ", ".join(recipients))
