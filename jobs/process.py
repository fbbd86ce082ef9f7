"""Run one ``scrapy crawl feeds`` process for a batch of sources, with a time limit.

At the limit (or when the scheduler stops) the crawl gets SIGTERM, which Scrapy answers with a
graceful close, then SIGKILL after a grace period. Nothing is read from the crawl's output: it
goes to ``<data_dir>/logs/crawl-<run id>.log`` and the database is the truth.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Protocol

from settings.config import PROJECT_ROOT

logger = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT = timedelta(minutes=10)
# Scrapy's graceful close waits for requests in flight, up to DOWNLOAD_TIMEOUT (30 s).
DEFAULT_KILL_GRACE = timedelta(seconds=45)
DEFAULT_STOP_WAIT = timedelta(seconds=30)
# A lease outlives the longest a crawl can run, so no second crawl takes a source still in work.
LEASE_MARGIN = timedelta(minutes=5)
_POLL_SECONDS = 1.0  # how often a waiting supervisor looks at the stop flags


@dataclass(frozen=True)
class CrawlLimits:
    """How long a crawl may run, and how it is stopped."""

    time_limit: timedelta = DEFAULT_TIME_LIMIT
    kill_grace: timedelta = DEFAULT_KILL_GRACE  # SIGTERM -> SIGKILL
    stop_wait: timedelta = DEFAULT_STOP_WAIT  # on shutdown: wait this long before SIGTERM

    @property
    def lease(self) -> timedelta:
        return self.time_limit + self.stop_wait + self.kill_grace + LEASE_MARGIN


class StopFlags:
    """Set by SIGTERM/SIGINT: the first asks to stop cleanly, a second to hurry."""

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._hurry = threading.Event()

    def request(self) -> None:
        if self._stopping.is_set():
            self._hurry.set()
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    @property
    def hurry(self) -> bool:
        return self._hurry.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a stop is requested (or ``timeout`` passes); True if it was."""
        return self._stopping.wait(timeout)


@dataclass(frozen=True)
class CrawlRequest:
    """One crawl: the ``crawl_runs`` row it fills, its sources and how long it may run."""

    run_id: int
    sources: tuple[str, ...]
    limits: CrawlLimits = field(default_factory=CrawlLimits)

    @property
    def lease(self) -> timedelta:
        return self.limits.lease


@dataclass(frozen=True)
class ProcessOutcome:
    """How a crawl process ended, as the supervisor saw it."""

    returncode: int | None
    timed_out: bool = False
    interrupted: bool = False  # stopped because the scheduler is shutting down
    killed: bool = False  # needed SIGKILL
    error: str | None = None  # could not be started
    log_path: Path | None = None

    def describe(self) -> str:
        if self.error is not None:
            return self.error
        if self.returncode is None:
            return "crawl did not exit"
        if self.returncode < 0:
            try:
                name = signal.Signals(-self.returncode).name
            except ValueError:
                name = f"signal {-self.returncode}"
            hint = " (out of memory?)" if name == "SIGKILL" and not self.killed else ""
            return f"crawl killed by {name}{hint}"
        return f"crawl exited with code {self.returncode}"


class CrawlLauncher(Protocol):
    """Runs a crawl to its end (or its limit) and says how it ended."""

    def __call__(self, request: CrawlRequest, stop: StopFlags) -> ProcessOutcome: ...


def default_crawl_command() -> tuple[str, ...]:
    return (sys.executable, "-m", "scrapy", "crawl", "feeds")


@dataclass(frozen=True)
class SubprocessCrawl:
    """The real launcher: ``<command> -a source=A,B -s NEWSWATCH_RUN_ID=N`` run in ``cwd``.

    The environment is inherited, so the crawl uses the scheduler's database and sources file.
    """

    command: tuple[str, ...] = field(default_factory=default_crawl_command)
    cwd: Path = PROJECT_ROOT
    log_dir: Path | None = None

    def argv(self, request: CrawlRequest) -> list[str]:
        return [
            *self.command,
            "-a",
            "source=" + ",".join(request.sources),
            "-s",
            f"NEWSWATCH_RUN_ID={request.run_id}",
            "-s",
            f"NEWSWATCH_LEASE_SECONDS={int(request.lease.total_seconds())}",
        ]

    def __call__(self, request: CrawlRequest, stop: StopFlags) -> ProcessOutcome:
        label = f"crawl run {request.run_id}"
        log_path = None
        log: IO[bytes] | int = subprocess.DEVNULL
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log_path = self.log_dir / f"crawl-{request.run_id}.log"
            log = log_path.open("ab")
        try:
            process = subprocess.Popen(
                self.argv(request),
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the scheduler only; it stops the crawl
            )
        except OSError as exc:
            logger.error("%s for %s could not start: %s", label, request.sources, exc)
            return ProcessOutcome(None, error=f"crawl could not start: {exc}", log_path=log_path)
        finally:
            if not isinstance(log, int):
                log.close()
        outcome = supervise(process, request.limits, stop, label=label)
        return ProcessOutcome(
            outcome.returncode,
            timed_out=outcome.timed_out,
            interrupted=outcome.interrupted,
            killed=outcome.killed,
            log_path=log_path,
        )


def supervise(
    process: subprocess.Popen[bytes], limits: CrawlLimits, stop: StopFlags, *, label: str
) -> ProcessOutcome:
    """Wait for ``process``; stop it at its time limit or when ``stop`` asks (after stop_wait)."""
    exited = threading.Event()

    def reap() -> None:
        process.wait()
        exited.set()

    threading.Thread(target=reap, name=f"{label} reaper", daemon=True).start()
    deadline = time.monotonic() + limits.time_limit.total_seconds()
    stop_deadline: float | None = None
    reason: str | None = None
    while True:
        now = time.monotonic()
        wait_until = deadline if stop_deadline is None else min(deadline, stop_deadline)
        if exited.wait(timeout=max(0.0, min(_POLL_SECONDS, wait_until - now))):
            break
        now = time.monotonic()
        if now >= deadline:
            reason = "timeout"
            logger.warning("%s hit its time limit of %s; stopping it", label, limits.time_limit)
            break
        if stop.hurry:
            reason = "interrupted"
            break
        if stop.stopping:
            if stop_deadline is None:
                stop_deadline = now + limits.stop_wait.total_seconds()
                logger.info("%s: waiting up to %s for it to finish", label, limits.stop_wait)
            elif now >= stop_deadline:
                reason = "interrupted"
                break
    if reason is None:
        return ProcessOutcome(process.returncode)
    killed = terminate(process, exited, limits.kill_grace, label=label)
    return ProcessOutcome(
        process.returncode,
        timed_out=reason == "timeout",
        interrupted=reason == "interrupted",
        killed=killed,
    )


def terminate(
    process: subprocess.Popen[bytes], exited: threading.Event, grace: timedelta, *, label: str
) -> bool:
    """SIGTERM the crawl's process group, SIGKILL it after ``grace``; True if SIGKILL was needed."""
    _signal_group(process, exited, signal.SIGTERM)
    if exited.wait(timeout=grace.total_seconds()):
        return False
    logger.warning("%s ignored SIGTERM for %s; killing it", label, grace)
    _signal_group(process, exited, signal.SIGKILL)
    exited.wait()
    return True


def _signal_group(
    process: subprocess.Popen[bytes], exited: threading.Event, sig: signal.Signals
) -> None:
    if exited.is_set():
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)  # the crawl leads its own session, so pgid == pid
