"""SMTP settings and the sender against a real aiosmtpd server on loopback: STARTTLS, implicit
TLS, authentication, refusals, and a password that never shows."""

from __future__ import annotations

import logging
from email.message import EmailMessage

import pytest

from alerts.smtp import PermanentFailure, SmtpSender, SmtpSettings, TemporaryFailure, is_loopback
from tests.alerts.conftest import (
    PASSWORD,
    USER,
    Certificate,
    Recorder,
    ServerFactory,
    SmtpServer,
    authenticator,
    free_port,
)


def message(to: str = "ana@example.org") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "alerts@newswatch.test"
    msg["To"] = to
    msg["Subject"] = "hello"
    msg["Message-ID"] = "<alert-1.acme@newswatch>"
    msg.set_content("body\n")
    return msg


def test_url_forms() -> None:
    plain = SmtpSettings.from_url("smtp://mail.example.org")
    assert (plain.host, plain.port, plain.implicit_tls, plain.username) == (
        "mail.example.org",
        25,
        False,
        None,
    )
    tls = SmtpSettings.from_url("smtps://bob%40corp:p%40ss%3Aw@mail.example.org?timeout=5")
    assert (tls.port, tls.implicit_tls, tls.username, tls.password, tls.timeout) == (
        465,
        True,
        "bob@corp",
        "p@ss:w",
        5.0,
    )
    from_env = SmtpSettings.from_url("smtp://bob@mail.example.org:587", password="envpass")
    assert (from_env.port, from_env.password) == (587, "envpass")
    in_url_wins = SmtpSettings.from_url("smtp://bob:urlpass@h", password="envpass")
    assert in_url_wins.password == "urlpass"


@pytest.mark.parametrize(
    "url",
    ["http://h", "smtp://", "smtp://h:notaport", "smtp://h?timeout=soon"],
)
def test_bad_url_errors_do_not_quote_it(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        SmtpSettings.from_url(url.replace("//", f"//u:{PASSWORD}@", 1))
    assert PASSWORD not in str(caught.value)
    assert "NEWSWATCH_SMTP_URL" in str(caught.value)


def test_repr_and_str_hide_the_password() -> None:
    settings = SmtpSettings.from_url(f"smtps://{USER}:{PASSWORD}@mail.example.org")
    shown = [repr(settings), str(settings), settings.redacted_url, repr(SmtpSender(settings))]
    assert all(PASSWORD not in s for s in shown)
    assert settings.redacted_url == "smtps://alerts:***@mail.example.org:465"
    assert settings.redact(f"echo {PASSWORD} and s3cr3t-Pa55word%21") == "echo *** and ***"


def test_loopback_hosts() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("LOCALHOST")
    assert not is_loopback("mail.example.org") and not is_loopback("10.0.0.1")


def test_plain_send_reuses_one_connection(smtp_server: SmtpServer) -> None:
    settings = SmtpSettings.from_url(f"smtp://127.0.0.1:{smtp_server.port}")
    with SmtpSender(settings) as sender:
        sender.send(message("a@example.org"), ["a@example.org"])
        first = sender._smtp
        sender.send(message("b@example.org"), ["b@example.org"])
        assert sender._smtp is first
    assert [r.rcpt_tos for r in smtp_server.recorder.received] == [
        ["a@example.org"],
        ["b@example.org"],
    ]


def test_reconnects_when_the_server_hung_up(smtp_server: SmtpServer) -> None:
    settings = SmtpSettings.from_url(f"smtp://127.0.0.1:{smtp_server.port}")
    with SmtpSender(settings) as sender:
        sender.send(message(), ["ana@example.org"])
        assert sender._smtp is not None
        sender._smtp.sock.close()  # type: ignore[union-attr]
        sender.send(message(), ["ana@example.org"])
    assert len(smtp_server.recorder.received) == 2


def test_starttls_and_login(smtp_factory: ServerFactory, certificate: Certificate) -> None:
    server = smtp_factory(
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    )
    settings = SmtpSettings.from_url(f"smtp://{USER}:{PASSWORD}@127.0.0.1:{server.port}")
    with SmtpSender(settings, ssl_context=certificate.client_context()) as sender:
        sender.send(message(), ["ana@example.org"])
        assert sender._smtp is not None
        assert sender._smtp.sock.version() is not None  # type: ignore[union-attr]
    assert [r.rcpt_tos for r in server.recorder.received] == [["ana@example.org"]]


def test_starttls_checks_the_certificate(
    smtp_factory: ServerFactory, certificate: Certificate
) -> None:
    server = smtp_factory(tls_context=certificate.server_context(), require_starttls=True)
    settings = SmtpSettings.from_url(f"smtp://127.0.0.1:{server.port}")
    with pytest.raises(TemporaryFailure) as caught, SmtpSender(settings) as sender:
        sender.send(message(), ["ana@example.org"])  # the system CAs do not know this one
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.answer
    assert caught.value.connection
    assert server.recorder.received == []


def test_implicit_tls(smtp_factory: ServerFactory, certificate: Certificate) -> None:
    server = smtp_factory(
        ssl_context=certificate.server_context(),
        authenticator=authenticator,
        auth_require_tls=False,  # aiosmtpd only counts STARTTLS as TLS; this one is TLS throughout
    )
    settings = SmtpSettings.from_url(f"smtps://{USER}@127.0.0.1:{server.port}", PASSWORD)
    with SmtpSender(settings, ssl_context=certificate.client_context()) as sender:
        sender.send(message(), ["ana@example.org"])
    assert len(server.recorder.received) == 1


def test_wrong_password_is_temporary_and_never_shown(
    smtp_factory: ServerFactory,
    certificate: Certificate,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    server = smtp_factory(
        tls_context=certificate.server_context(),
        authenticator=authenticator,
        auth_require_tls=True,
    )
    wrong = "Wr0ng-" + PASSWORD
    settings = SmtpSettings.from_url(f"smtp://{USER}:{wrong}@127.0.0.1:{server.port}")
    client = certificate.client_context()
    with pytest.raises(TemporaryFailure) as caught, SmtpSender(settings, ssl_context=client) as s:
        s.send(message(), ["ana@example.org"])
    error = caught.value
    assert error.connection and "535" in error.answer
    out, err = capsys.readouterr()
    for shown in [str(error), repr(error), error.answer, caplog.text, out, err]:
        assert wrong not in shown
        assert PASSWORD not in shown
    assert server.recorder.received == []


def test_recipient_refused_is_permanent_with_the_answer(smtp_factory: ServerFactory) -> None:
    recorder = Recorder(refuse={"gone@example.org": "550 5.1.1 <gone@example.org>: no such user"})
    server = smtp_factory(recorder=recorder)
    settings = SmtpSettings.from_url(f"smtp://127.0.0.1:{server.port}")
    with SmtpSender(settings) as sender:
        with pytest.raises(PermanentFailure) as caught:
            sender.send(message("gone@example.org"), ["gone@example.org"])
        sender.send(message(), ["ana@example.org"])  # the connection is still good
    assert caught.value.answer == "550 5.1.1 <gone@example.org>: no such user"
    assert caught.value.code == 550 and not caught.value.connection
    assert [r.rcpt_tos for r in recorder.received] == [["ana@example.org"]]


def test_4xx_is_temporary(smtp_factory: ServerFactory) -> None:
    server = smtp_factory(recorder=Recorder(defer_data=1))
    settings = SmtpSettings.from_url(f"smtp://127.0.0.1:{server.port}")
    with SmtpSender(settings) as sender:
        with pytest.raises(TemporaryFailure) as caught:
            sender.send(message(), ["ana@example.org"])
        sender.send(message(), ["ana@example.org"])
    assert caught.value.code == 451 and not caught.value.connection
    assert len(server.recorder.received) == 1


def test_server_down_is_temporary() -> None:
    settings = SmtpSettings.from_url(f"smtp://127.0.0.1:{free_port()}?timeout=5")
    with pytest.raises(TemporaryFailure) as caught, SmtpSender(settings) as sender:
        sender.send(message(), ["ana@example.org"])
    assert caught.value.connection
    assert "refused" in caught.value.answer.lower()


def test_no_password_in_clear_to_a_remote_server() -> None:
    # The check happens after EHLO; unit-test the rule itself, as no remote server is reachable.
    assert not is_loopback("smtp.example.org")
