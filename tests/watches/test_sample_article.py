"""The sample article (tests/fixtures/text) against the queries its .expect.toml lists, and
against the default watches in settings/watches.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from watches.matcher import Matcher, mark
from watches.spec import load_watches

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "text" / "ctd-nccia-joint-drive.txt"
EXPECT = tomllib.loads(FIXTURE.with_suffix(".expect.toml").read_text(encoding="utf-8"))


def article() -> tuple[str, str]:
    title, body = FIXTURE.read_text(encoding="utf-8").split("\n", 1)
    return title, body.strip()


@pytest.mark.parametrize(("name", "query"), sorted(EXPECT["matches"].items()))
def test_the_sample_matches(name: str, query: str) -> None:
    assert [m.watch for m in Matcher([(name, query)]).match(*article())] == [name]


@pytest.mark.parametrize(("name", "query"), sorted(EXPECT["no_match"].items()))
def test_the_sample_does_not_match(name: str, query: str) -> None:
    assert Matcher([(name, query)]).match(*article()) == []


def test_counterterrorism_is_found_in_all_three_spellings() -> None:
    title, body = article()
    found = Matcher([("ct", "counterterrorism")]).match(title, body)[0]
    assert found.terms == ("counterterrorism",)
    assert found.fields == ("body",)
    assert "**Counter-Terrorism** Department" in mark(found.snippet, found.highlights)
    paragraphs = body.split("\n\n")
    spelt = [p for p in paragraphs if Matcher([("ct", "counterterrorism")]).match("", p)]
    assert len(spelt) == 3
    assert "counter terrorism operations" in spelt[1] and "counterterrorism efforts" in spelt[2]


def test_cybercrime_reports_where_and_how() -> None:
    title, body = article()
    found = Matcher([("cc", "cybercrime")]).match(title, body)[0]
    assert found.fields == ("title", "body")
    assert [found.snippet[s:e] for s, e in found.highlights] == ["Cyber Crime"]
    assert body.index("Cyber Crime") > 0 and found.snippet.startswith("LAHORE:")


def test_the_default_watches_flag_the_sample() -> None:
    watches = load_watches(ROOT / "settings" / "watches.toml")
    found = {m.watch: m for m in Matcher(watches).match(*article())}
    assert {"counterterrorism", "cybercrime", "terror-financing", "proscribed-groups"} <= set(found)
    assert "money-laundering" not in found
    assert "narcotics" not in found
    assert found["proscribed-groups"].terms == ('"proscribed organisation"', '"banned outfit"')
