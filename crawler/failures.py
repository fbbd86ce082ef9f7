"""Turn a failed download (a Twisted failure or an HTTP status) into a short reason slug.

Reasons are stats keys and ``scrapy sources`` columns: ``http_404``, ``timeout``, ``too_large``...
"""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure


def failure_reason(failure: Failure) -> str:
    """A short, stable reason for a failed request."""
    error = failure.value
    if isinstance(error, HttpError):
        return f"http_{error.response.status}"
    if isinstance(error, DownloadTimeoutError):
        return "timeout"
    if isinstance(error, CannotResolveHostError):
        return "dns"
    if isinstance(error, DownloadConnectionRefusedError):
        return "connection_refused"
    if isinstance(error, DownloadCancelledError):
        return "too_large"  # Scrapy cancels a download that passes DOWNLOAD_MAXSIZE
    if isinstance(error, IgnoreRequest):
        text = str(error).lower()
        if "robots.txt" in text:
            return "robots_txt"
        if "redirect" in text:
            return "redirect_loop"
        if "max size" in text or "maxsize" in text or "larger than" in text:
            return "too_large"
        return "ignored"
    if isinstance(error, DownloadFailedError | ResponseDataLossError):
        return "connection_lost"
    return type(error).__name__.lower()


def failure_message(failure: Failure) -> str:
    error = failure.value
    if isinstance(error, HttpError):
        return f"HTTP {error.response.status}"
    return f"{type(error).__name__}: {error}"[:500]
