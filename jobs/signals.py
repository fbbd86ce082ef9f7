"""SIGTERM and SIGINT ask the scheduler to stop: the first cleanly, a second to hurry.

A signal handler must not take locks (it may interrupt the very thread holding one), so the
handler only writes the signal number to a pipe; a helper thread reads it and sets the flags.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType, TracebackType
from typing import Any

from jobs.process import StopFlags

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class SignalWatcher:
    """``with SignalWatcher(stop):`` routes SIGTERM/SIGINT to ``stop.request()`` (main thread)."""

    def __init__(self, stop: StopFlags) -> None:
        self._stop = stop
        self._previous: dict[signal.Signals, Any] = {}
        self._read = self._write = -1
        self._thread: threading.Thread | None = None

    def __enter__(self) -> SignalWatcher:
        self._read, self._write = os.pipe()
        self._thread = threading.Thread(target=self._watch, name="signal watcher", daemon=True)
        self._thread.start()
        for sig in STOP_SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        os.close(self._write)  # the watcher reads end-of-file and returns
        if self._thread is not None:
            self._thread.join()
        os.close(self._read)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        os.write(self._write, bytes([signum]))

    def _watch(self) -> None:
        while data := os.read(self._read, 64):
            for signum in data:
                name = signal.Signals(signum).name
                if self._stop.stopping:
                    logger.warning("%s again: stopping the running crawl now", name)
                else:
                    logger.info("%s: stopping after the running jobs", name)
                self._stop.request()
