"""SMTP delivery: parse ``NEWSWATCH_SMTP_URL``, connect (STARTTLS or implicit TLS), log in, send.

``smtp://`` upgrades with STARTTLS when the server offers it; ``smtps://`` is TLS from the first
byte. The password (from the URL or ``NEWSWATCH_SMTP_PASSWORD``) never appears in a repr, a log
line or an error. Outcomes are classified: :class:`TemporaryFailure` (retry later) or
:class:`PermanentFailure` (5xx: the server refused this message for good).
"""

from __future__ import annotations

import ipaddress
import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import TracebackType
from urllib.parse import parse_qs, quote, unquote, urlsplit

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


class DeliveryError(Exception):
    """A message was not delivered; ``answer`` is what the server (or the socket) said."""

    def __init__(self, answer: str, code: int | None = None, *, connection: bool = False) -> None:
        super().__init__(answer)
        self.answer = answer
        self.code = code
        # True when no message can get through now (server down, login refused), not just this one.
        self.connection = connection


class TemporaryFailure(DeliveryError):
    """Worth retrying: server down, timeout, 4xx, TLS or login trouble."""


class PermanentFailure(DeliveryError):
    """The server refused this message for good (5xx); retrying will not help."""


@dataclass(frozen=True, repr=False)
class SmtpSettings:
    """Where and how to send; ``repr`` and ``str`` show the URL with the password masked."""

    host: str
    port: int
    implicit_tls: bool = False
    username: str | None = None
    password: str | None = field(default=None, compare=False)
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_url(cls, url: str, password: str | None = None) -> SmtpSettings:
        """``smtp[s]://[user[:password]@]host[:port][?timeout=SECONDS]``.

        ``password`` (``NEWSWATCH_SMTP_PASSWORD``) is used when the URL carries none.
        Errors never quote the URL, which may hold the password.
        """
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise ValueError("NEWSWATCH_SMTP_URL is not a valid URL") from None
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError("NEWSWATCH_SMTP_URL must look like smtp[s]://[user@]host[:port]")
        query = parse_qs(parts.query)
        timeout = DEFAULT_TIMEOUT
        if "timeout" in query:
            try:
                timeout = float(query["timeout"][-1])
            except ValueError:
                raise ValueError("NEWSWATCH_SMTP_URL: timeout must be a number") from None
        url_password = unquote(parts.password) if parts.password is not None else None
        return cls(
            host=parts.hostname,
            port=port or DEFAULT_PORTS[parts.scheme],
            implicit_tls=parts.scheme == "smtps",
            username=unquote(parts.username) if parts.username else None,
            password=url_password if url_password else password,
            timeout=timeout,
        )

    @property
    def redacted_url(self) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = ""
        if self.username:
            user = quote(self.username, safe="") + (":***" if self.password else "") + "@"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{user}{host}:{self.port}"

    def __repr__(self) -> str:
        return f"SmtpSettings({self.redacted_url})"

    __str__ = __repr__

    def redact(self, text: str) -> str:
        """``text`` with the password (plain or URL-quoted) replaced by ``***``."""
        if self.password:
            for form in {self.password, quote(self.password, safe=""), quote(self.password)}:
                text = text.replace(form, "***")
        return text


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _answer(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}"


def classify(code: int, message: bytes | str) -> DeliveryError:
    """A 5xx answer is permanent; anything else (4xx, odd codes) is worth a retry."""
    answer = _answer(code, message)
    if 500 <= code < 600:
        return PermanentFailure(answer, code)
    return TemporaryFailure(answer, code)


class SmtpSender:
    """One SMTP connection, opened on first use and reused for every message until closed."""

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        self.settings = settings
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.local_hostname = local_hostname
        self._smtp: smtplib.SMTP | None = None

    def __repr__(self) -> str:
        return f"SmtpSender({self.settings.redacted_url})"

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def description(self) -> str:
        return self.settings.redacted_url

    def connect(self) -> None:
        """Open, secure and authenticate the connection; raises :class:`TemporaryFailure`."""
        self.close()
        settings = self.settings
        logger.debug("connecting to SMTP server %s", settings.redacted_url)
        smtp: smtplib.SMTP | None = None
        try:
            if settings.implicit_tls:
                smtp = smtplib.SMTP_SSL(
                    settings.host,
                    settings.port,
                    local_hostname=self.local_hostname,
                    timeout=settings.timeout,
                    context=self.ssl_context,
                )
            else:
                smtp = smtplib.SMTP(
                    settings.host,
                    settings.port,
                    local_hostname=self.local_hostname,
                    timeout=settings.timeout,
                )
            smtp.ehlo()
            secure = settings.implicit_tls
            if not secure and smtp.has_extn("starttls"):
                smtp.starttls(context=self.ssl_context)
                smtp.ehlo()
                secure = True
            if settings.username:
                if not secure and not is_loopback(settings.host):
                    raise TemporaryFailure(
                        f"{settings.host} offers no STARTTLS: not sending the password in clear",
                        connection=True,
                    )
                smtp.login(settings.username, settings.password or "")
        except TemporaryFailure:
            _quietly_close(smtp)
            raise
        except smtplib.SMTPAuthenticationError as exc:
            _quietly_close(smtp)
            answer = settings.redact(_answer(exc.smtp_code, exc.smtp_error))
            raise TemporaryFailure(
                f"login as {settings.username} refused: {answer}", connection=True
            ) from None
        except smtplib.SMTPResponseException as exc:
            _quietly_close(smtp)
            answer = settings.redact(_answer(exc.smtp_code, exc.smtp_error))
            raise TemporaryFailure(f"{settings.redacted_url}: {answer}", connection=True) from None
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            _quietly_close(smtp)
            reason = settings.redact(str(exc) or type(exc).__name__)
            raise TemporaryFailure(f"{settings.redacted_url}: {reason}", connection=True) from None
        self._smtp = smtp

    def send(self, message: EmailMessage, recipients: Sequence[str]) -> None:
        """Send ``message`` to ``recipients``; reconnects once if the server hung up."""
        for attempt in (1, 2):
            if self._smtp is None:
                self.connect()
            assert self._smtp is not None
            try:
                refused = self._smtp.send_message(message, to_addrs=list(recipients))
            except smtplib.SMTPServerDisconnected as exc:
                self._smtp = None
                if attempt == 2:
                    reason = self.settings.redact(str(exc) or "server disconnected")
                    raise TemporaryFailure(reason, connection=True) from None
                logger.debug("SMTP server %s hung up; reconnecting", self.settings.redacted_url)
                continue
            except smtplib.SMTPRecipientsRefused as exc:
                raise _worst(exc.recipients) from None
            except smtplib.SMTPResponseException as exc:
                raise classify(exc.smtp_code, exc.smtp_error) from None
            except (smtplib.SMTPException, OSError) as exc:
                self.close()
                reason = self.settings.redact(str(exc) or type(exc).__name__)
                raise TemporaryFailure(reason, connection=True) from None
            if refused:
                # Some recipients took it, some did not: the caller sends to one at a time,
                # so this only happens when it chose otherwise.
                raise _worst(refused)
            return

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _worst(refused: dict[str, tuple[int, bytes]]) -> DeliveryError:
    """A temporary refusal of any recipient makes the whole outcome temporary."""
    errors = [classify(code, msg) for code, msg in refused.values()]
    for error in errors:
        if isinstance(error, TemporaryFailure):
            return error
    return errors[0] if errors else TemporaryFailure("no recipient accepted")


def _quietly_close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.close()
        except OSError as exc:
            logger.debug("closing SMTP socket failed: %s", exc)
