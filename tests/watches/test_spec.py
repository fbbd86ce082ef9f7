"""The watches file: validation with errors that say where, and digest delivery times."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from watches.query import QuerySyntaxError, parse
from watches.spec import Delivery, Watch, WatchConfigError, load_watches

ROOT = Path(__file__).resolve().parents[2]
GOOD = """
[[watches]]
name = "ct"
query = "counterterrorism OR CTD"
recipients = ["analyst@example.org", "desk@example.org"]

[[watches]]
name = "fin"
query = '"terror financing"'
digest = { at = ["17:30", "08:00"], timezone = "Asia/Karachi" }
channels = ["mailto://desk@example.org", "json://127.0.0.1:8080/hook"]

[[watches]]
name = "border"
query = "border* AND (Torkham OR Chaman)"
digest = { every = "4h" }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "watches.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads(tmp_path: Path) -> None:
    ct, fin, border = load_watches(write(tmp_path, GOOD))
    assert ct == Watch(
        "ct",
        "counterterrorism OR CTD",
        parse("counterterrorism OR CTD"),
        ("analyst@example.org", "desk@example.org"),
    )
    assert ct.delivery == Delivery() and ct.delivery.mode == "immediate"
    assert fin.delivery == Delivery("digest", at=(time(8), time(17, 30)), timezone="Asia/Karachi")
    assert fin.recipients == ()
    assert fin.channels == ("mailto://desk@example.org", "json://127.0.0.1:8080/hook")
    assert border.delivery == Delivery("digest", every=timedelta(hours=4))


def test_the_default_watches_file() -> None:
    watches = load_watches(ROOT / "settings" / "watches.toml")
    assert 8 <= len(watches) <= 12
    assert len({w.name for w in watches}) == len(watches)
    assert any(w.delivery.mode == "digest" and w.delivery.at for w in watches)
    assert any(w.delivery.mode == "digest" and w.delivery.every for w in watches)
    recipients = {r for w in watches for r in w.recipients}
    assert recipients and all(r.endswith("@example.org") for r in recipients)
    assert all(w.recipients for w in watches)


W = "[[watches]]\nname = 'a'\nquery = 'x'\n"  # a good watch, to add one bad key to
BAD = [
    ("[[watches]\n", "not valid TOML"),
    ("title = 'x'\n", "unknown top-level key 'title'"),
    ("watches = 'x'\n", "expected [[watches]] tables"),
    (W + "colour = 'red'\n", "watch #1 'a': colour: unknown key"),
    ("[[watches]]\nquery = 'x'\n", "watch #1: name: a non-empty name"),
    ("[[watches]]\nname = '  '\nquery = 'x'\n", "watch #1: name: a non-empty name"),
    ("[[watches]]\nname = ' a'\nquery = 'x'\n", "name: a non-empty name without outer spaces"),
    ('[[watches]]\nname = "a\\tb"\nquery = "x"\n', "'a\\tb' has control characters"),
    (
        W + "[[watches]]\nname = 'a'\nquery = 'y'\n",
        "watch #2 'a': name: used twice",
    ),
    ("[[watches]]\nname = 'a'\n", "watch #1 'a': query: a query string is needed"),
    ("[[watches]]\nname = 'a'\nquery = 'NOT x'\n", "watch #1 'a': query: the query matches"),
    (W + "recipients = 'b@example.org'\n", "recipients: expected"),
    (
        W + "recipients = ['analyst']\n",
        "recipients: 'analyst' is not an e-mail address",
    ),
    (
        W + "recipients = ['a b@example.org']\n",
        "is not an e-mail address",
    ),
    (
        W + "recipients = ['b@example.org', 'B@example.org']\n",
        "'B@example.org' is listed twice",
    ),
    (W + "channels = ['slack']\n", "channels: 'slack' is not"),
    (W + "digest = '4h'\n", "digest: expected a table"),
    (W + "digest = {}\n", "digest: give either 'at'"),
    (
        W + "digest = { at = ['08:00'], every = '4h' }\n",
        "digest: give either 'at'",
    ),
    (W + "digest = { hour = 8 }\n", "digest.hour: unknown key"),
    (W + "digest = { at = [] }\n", "digest.at: expected a list"),
    (
        W + "digest = { at = ['8am'] }\n",
        "digest.at: '8am' is not a time",
    ),
    (W + "digest = { at = ['24:00'] }\n", "'24:00' is not a"),
    (
        W + "digest = { at = ['08:00', '08:00'] }\n",
        "'08:00' is listed twice",
    ),
    (
        W + "digest = { at = ['08:00'], timezone = 'Asia/Lahore' }\n",
        "digest.timezone: 'Asia/Lahore' is not a time zone",
    ),
    (
        W + "digest = { every = '4h', timezone = 'UTC' }\n",
        "digest.timezone: only applies to 'at'",
    ),
    (W + "digest = { every = '4 hours' }\n", "digest.every: '4 hours'"),
    (W + "digest = { every = '0m' }\n", "at least one minute"),
    (W + "digest = { every = 4 }\n", "digest.every: 4 is not"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_errors_name_the_file_the_watch_and_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(WatchConfigError) as caught:
        load_watches(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_a_query_error_shows_the_caret(tmp_path: Path) -> None:
    path = write(tmp_path, "[[watches]]\nname = 'cc'\nquery = 'cyber* OR (hacker* ransomware'\n")
    with pytest.raises(WatchConfigError) as caught:
        load_watches(path)
    assert str(caught.value).splitlines() == [
        f"{path}: watch #1 'cc': query: '(' is never closed at position 10",
        "  cyber* OR (hacker* ransomware",
        "            ^",
    ]


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(WatchConfigError, match="cannot read the watches file"):
        load_watches(tmp_path / "nope.toml")


KARACHI = Delivery("digest", at=(time(8), time(17, 30)), timezone="Asia/Karachi")


@pytest.mark.parametrize(
    ("now", "due"),
    [
        ("2024-06-01T02:00:00+00:00", "2024-06-01T03:00:00+00:00"),  # 07:00 in Karachi
        ("2024-06-01T03:00:00+00:00", "2024-06-01T12:30:00+00:00"),  # strictly after
        ("2024-06-01T13:00:00+00:00", "2024-06-02T03:00:00+00:00"),  # tomorrow
        ("2024-06-01T20:00:00+00:00", "2024-06-02T03:00:00+00:00"),  # already 01:00 local
        ("2024-06-01T06:00:00+05:00", "2024-06-01T03:00:00+00:00"),  # any zone in
    ],
)
def test_digest_at_clock_times_in_a_zone(now: str, due: str) -> None:
    assert KARACHI.next_after(datetime.fromisoformat(now)) == datetime.fromisoformat(due)
    assert KARACHI.next_after(datetime.fromisoformat(now)).tzinfo == UTC


def test_digest_at_follows_daylight_saving() -> None:
    new_york = Delivery("digest", at=(time(9),), timezone="America/New_York")
    summer = new_york.next_after(datetime(2024, 7, 1, tzinfo=UTC))
    winter = new_york.next_after(datetime(2024, 12, 1, tzinfo=UTC))
    assert (summer.hour, winter.hour) == (13, 14)


@pytest.mark.parametrize(
    ("every", "now", "due"),
    [
        (timedelta(hours=4), "2024-06-01T01:00:00+00:00", "2024-06-01T04:00:00+00:00"),
        (timedelta(hours=4), "2024-06-01T04:00:00+00:00", "2024-06-01T08:00:00+00:00"),
        (timedelta(minutes=30), "2024-06-01T04:29:59+00:00", "2024-06-01T04:30:00+00:00"),
        (timedelta(days=1), "2024-06-01T23:59:00+05:00", "2024-06-02T00:00:00+00:00"),
    ],
)
def test_digest_every_interval_from_midnight_utc(every: timedelta, now: str, due: str) -> None:
    delivery = Delivery("digest", every=every)
    assert delivery.next_after(datetime.fromisoformat(now)) == datetime.fromisoformat(due)


def test_immediate_delivery_is_now_in_utc() -> None:
    now = datetime(2024, 6, 1, 10, 0, tzinfo=timezone(timedelta(hours=5)))
    assert Delivery().next_after(now) == now
    assert Delivery().next_after(now).tzinfo == UTC


def test_next_after_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        KARACHI.next_after(datetime(2024, 6, 1, 10, 0))


@pytest.mark.parametrize(
    "options",
    [
        {"mode": "immediate", "at": (time(8),)},
        {"mode": "digest"},
        {"mode": "digest", "at": (time(8),), "every": timedelta(hours=1)},
        {"mode": "digest", "every": timedelta(seconds=5)},
        {"mode": "digest", "at": (time(8),), "timezone": "Mars/Olympus"},
    ],
)
def test_inconsistent_deliveries_are_refused(options: dict[str, object]) -> None:
    with pytest.raises((ValueError, KeyError)):
        Delivery(**options)  # type: ignore[arg-type]


def test_watch_from_query_parses() -> None:
    watch = Watch.from_query("x", "cyber* NEAR/3 FIA", recipients=("a@example.org",))
    assert watch.parsed == parse("cyber* NEAR/3 FIA")
    with pytest.raises(QuerySyntaxError):
        Watch.from_query("x", "cyber* NEAR FIA")
