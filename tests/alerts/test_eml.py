"""The .eml outbox: one file per Message-ID, written atomically, replaced on resend."""

from __future__ import annotations

import os
from email.message import EmailMessage
from pathlib import Path

import pytest

from alerts.eml import EmlOutbox, eml_name, write_atomic


def message(message_id: str, body: str = "hello\n") -> EmailMessage:
    msg = EmailMessage()
    msg["To"] = "ana@example.org"
    msg["Message-ID"] = message_id
    msg.set_content(body)
    return msg


def test_file_names_come_from_the_message_id() -> None:
    assert eml_name("<alert-7.acme@newswatch>") == "alert-7.acme@newswatch.eml"
    assert eml_name("<../../etc/passwd@x>") == "etc_passwd@x.eml"
    assert eml_name("") == "message.eml"


def test_resend_replaces_the_same_file(tmp_path: Path) -> None:
    outbox = EmlOutbox(tmp_path / "outbox")
    outbox.send(message("<alert-1.acme@newswatch>", "first\n"), ["ana@example.org"])
    outbox.send(message("<alert-1.acme@newswatch>", "second\n"), ["ana@example.org"])
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == ["alert-1.acme@newswatch.eml"]
    assert b"second" in (tmp_path / "outbox" / "alert-1.acme@newswatch.eml").read_bytes()


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a.eml"
    write_atomic(target, b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.eml"]
