"""Fixtures for the alert tests: a real SMTP server on loopback (aiosmtpd), a self-signed
certificate for STARTTLS and implicit TLS, and a helper that stores a match with its alerts.

The database fixture ``db`` (SQLite, and PostgreSQL where ``NEWSWATCH_TEST_PG_URL`` is set)
comes from ``tests/conftest.py``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from settings.config import AppConfig
from storage import Database
from storage.alerts import queue_alerts
from storage.models import Article, Match, Source, Watch

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
USER = "alerts"
PASSWORD = "s3cr3t-Pa55word!"


# --- the SMTP server ---------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        # On the wire lines end in CRLF; a mail client reads them as line ends.
        parsed = message_from_bytes(self.data.replace(b"\r\n", b"\n"), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Recorder:
    """The server's handler: keeps what it accepted; can refuse recipients or defer messages."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> SMTP answer
    defer_data: int = 0  # answer the next N DATA commands with 451

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.defer_data > 0:
            self.defer_data -= 1
            return "451 4.3.0 Mail server temporarily rejected message"
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 2.0.0 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received]


class LoopbackController(Controller):  # type: ignore[misc]
    """aiosmtpd's controller, listening on 127.0.0.1 at the port given (0: any free port)."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    controller: LoopbackController
    recorder: Recorder

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def stop(self) -> None:
        self.controller.stop()


ServerFactory = Callable[..., SmtpServer]


@pytest.fixture
def smtp_factory() -> Iterator[ServerFactory]:
    """Start SMTP servers on loopback: ``smtp_factory(port=0, **aiosmtpd_options)``."""
    started: list[SmtpServer] = []

    def start(port: int = 0, recorder: Recorder | None = None, **options: Any) -> SmtpServer:
        recorder = recorder or Recorder()
        controller = LoopbackController(
            recorder,
            hostname="127.0.0.1",
            port=port,
            loop=asyncio.new_event_loop(),
            **options,
        )
        controller.start()
        server = SmtpServer(controller, recorder)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.controller._thread is not None:
            server.stop()


@pytest.fixture
def smtp_server(smtp_factory: ServerFactory) -> SmtpServer:
    """A plain SMTP server (no TLS, no AUTH) on 127.0.0.1."""
    return smtp_factory()


def free_port() -> int:
    """A loopback port with nothing listening on it (a server that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- TLS -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, made here (no download, no extra package)."""
    directory = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "newswatch test")])
    start = dt.datetime.now(UTC) - dt.timedelta(days=1)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cert.pem"
    key_path = directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_path, key_path)


# --- data ----------------------------------------------------------------------------------------


def config_for(tmp_path: Path, smtp_url: str | None = None, **options: Any) -> AppConfig:
    return AppConfig(
        data_dir=tmp_path / "data",
        smtp_url=smtp_url,
        mail_from="newswatch <alerts@newswatch.test>",
        **options,
    )


def _id_of(session: Any, model: Any, column: Any, value: Any, **values: Any) -> int:
    found = session.scalar(select(model.id).where(column == value))
    if found is not None:
        return int(found)
    row = model(**values)
    session.add(row)
    session.flush()
    return int(row.id)


def add_match(
    db: Database,
    *,
    watch: str = "Acme",
    title: str | None = "Acme posts record profit",
    url: str = "https://news.example/acme-profit",
    source: str = "Example News",
    published_at: dt.datetime | None = dt.datetime(2026, 11, 28, 9, 30, tzinfo=UTC),
    snippet: str = "Acme Corp said on Friday that profit rose",
    highlights: Sequence[Sequence[int]] = ((0, 4),),
    terms: Sequence[str] = ("acme",),
    matched_at: dt.datetime = NOW,
    recipients: Sequence[str] = ("ana@example.org",),
    channels: Sequence[str] = (),
    delivery: str = "immediate",
    due_at: dt.datetime | None = None,
) -> int:
    """Store source, article, watch and match, and queue the alerts, in one transaction
    (as the match pipeline does). Returns the number of alerts queued."""
    with db.sessions.begin() as session:
        source_id = _id_of(session, Source, Source.name, source, name=source)
        watch_id = _id_of(session, Watch, Watch.name, watch, name=watch, query=watch.lower())
        article = Article(
            source_id=source_id,
            url=url,
            canonical_url=url,
            title=title,
            published_at=published_at,
            body_origin="feed",
        )
        session.add(article)
        session.flush()
        match = Match(
            watch_id=watch_id,
            article_id=article.id,
            terms=list(terms),
            fields=["title"],
            snippet=snippet,
            highlights=[list(h) for h in highlights],
            matched_at=matched_at,
        )
        session.add(match)
        session.flush()
        return queue_alerts(
            session,
            match_id=match.id,
            watch_id=watch_id,
            article_id=article.id,
            recipients=recipients,
            channels=channels,
            delivery_mode=delivery,
            due_at=due_at or matched_at,
            now=matched_at,
        )
