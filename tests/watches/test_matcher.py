"""The matcher: operators, spellings, word boundaries, NEAR, title:, and what a match records."""

from __future__ import annotations

import pytest

from watches.matcher import Matcher, WatchMatch, mark
from watches.query import parse
from watches.spec import Watch
from watches.text import fold


def match(query: str, body: str, title: str = "") -> WatchMatch | None:
    found = Matcher([("w", query)]).match(title, body)
    assert len(found) <= 1
    return found[0] if found else None


def matches(query: str, body: str, title: str = "") -> bool:
    return match(query, body, title) is not None


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("counterterrorism", "the counterterrorism wing", True),
        ("a AND b", "a x b", True),
        ("a AND b", "a x c", False),
        ("a b", "b then a", True),
        ("a OR b", "only b here", True),
        ("a OR b", "neither here", False),
        ("a NOT b", "a alone", True),
        ("a NOT b", "a with b", False),
        ("(a OR b) AND (c OR d)", "b and d", True),
        ("(a OR b) AND (c OR d)", "b and a", False),
        ("NOT NOT a", "a", True),
        ("cyber*", "cybersecurity", True),
        ("cyber*", "cyber", True),
        ("cyber*", "hypercyber", False),
        ('"money laundering"', "anti-money laundering", True),
        ('"money laundering"', "laundering money", False),
        ('"money laundering"', "money and laundering", False),
        ('"money launder*"', "money launderers", True),
    ],
)
def test_every_operator_matches(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


@pytest.mark.parametrize("query", ["counterterrorism", "counter-terrorism", '"counter terrorism"'])
@pytest.mark.parametrize(
    "text",
    [
        "its counterterrorism wing",
        "its counter-terrorism wing",
        "its counter terrorism wing",
        "its Counter-Terrorism Department",
        "its COUNTER TERRORISM wing",
        "its counter\u2011terrorism wing",  # non-breaking hyphen
        "its counter-\nterrorism wing",
    ],
)
def test_compounds_match_in_every_spelling_both_ways(query: str, text: str) -> None:
    assert matches(query, text)


@pytest.mark.parametrize(
    "text",
    ["cybercrime", "cyber-crime", "cyber crime", "Cyber Crimes", "cyber-crimes", "CYBERCRIME"],
)
def test_cybercrime_in_every_spelling(text: str) -> None:
    assert matches("cybercrime", f"a rise in {text} cases")


def test_compounds_work_for_any_word_not_a_list_of_prefixes() -> None:
    assert matches("hawaladar", "a hawala-dar was held")
    assert matches("hawala-dar", "a hawaladar was held")
    assert matches("email", "sent by e-mail")
    agency = '"national cyber crime investigation agency"'
    assert matches(agency, "the National Cybercrime Investigation Agency")


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("counterterrorism", "counter. Terrorism"),  # punctuation breaks a compound
        ("counterterrorism", "counter\n\nterrorism"),  # so does a paragraph
        ('"money laundering"', "the money. Laundering is"),
        ("therapist", "the rapist"),  # function words never join
        ("into", "went in to"),
        ('"war on terror"', "waronterror"),
        ("cybercrime", "cyber"),
    ],
)
def test_what_does_not_join(query: str, text: str) -> None:
    assert not matches(query, text)


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("CTD", "the CTD said", True),
        ("CTD", "Punjab's CTD’s raid", True),
        ("CTD", "ACTD and CTDX", False),
        ("war", "an award", False),
        ("war", "a warning", False),
        ("cyber", "cybercrime", False),
        ("FIA", "the F.I.A. said", True),
        ("US", "a U.S. team", True),
        ("US", "they used force", False),  # capitals: an acronym, no inflection
        ("ISI", "ISIS fighters", False),
        ("ISI", "the ISI's chief", True),
        ("charge", "Chargé d’Affaires", True),
        ("chargé", "charge sheet", True),
        ("ﬁnance", "finance", True),
        ("naqvi", "ＮＡＱＶＩ", True),
        ("کراچی", "کَراچی میں دھماکہ", True),
    ],
)
def test_word_boundaries_case_accents_and_unicode(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("cybercrime", "cybercrimes", True),
        ("launder", "laundering", True),
        ("launder", "laundered", True),
        ("launder*", "laundering", True),
        ("launder", "launderer", False),
        ("launder*", "launderer", True),
        ("seize", "seizing", True),
        ("ban", "banned", True),
        ("ban", "baned", False),
        ("attacks", "attack", False),
        ("militancy", "militancies", True),
        ('"terror attack"', "terror attacks", True),
        ('"terror attack"', "terror attacks", True),
        ("cooperate", "cooperation", False),
    ],
)
def test_english_inflection(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("bomb NEAR/1 blast", "bomb blast", True),
        ("bomb NEAR/1 blast", "blast bomb", True),  # either order
        ("bomb NEAR/1 blast", "bomb and blast", False),
        ("bomb NEAR/2 blast", "bomb and blast", True),
        ("bomb NEAR/3 blast", "bomb one two blast", True),
        ("bomb NEAR/3 blast", "bomb one two three blast", False),
        ("bomb NEAR/3 blast", "bomb, one. two; blast", True),  # punctuation is not a word
        ("bomb NEAR/2 quetta", "bomb counter-terrorism quetta", False),  # two words
        ("(bomb OR blast) NEAR/2 (quetta OR peshawar)", "a blast in Peshawar", True),
        ('"suicide bomber" NEAR/3 police', "police said a suicide bomber", True),
        ("bomb* NEAR/1 bombing", "the bombing", True),  # overlapping hits
    ],
)
def test_near_counts_words_in_either_order(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


def test_near_needs_both_sides_in_the_same_field() -> None:
    assert not matches("bomb NEAR/5 quetta", "quetta", title="bomb")
    assert matches("bomb NEAR/5 quetta", "nothing", title="bomb in quetta")
    assert not matches("title:bomb NEAR/5 quetta", "bomb in quetta", title="bomb")


def test_near_checks_every_pair_of_hits() -> None:
    text = "quetta " + "filler " * 20 + "bomb " + "filler " * 20 + "quetta again, bomb"
    found = match("bomb NEAR/2 quetta", text)
    assert found is not None
    assert mark(found.snippet, found.highlights).count("**") == 4  # only the close pair


def test_title_restricts_to_the_headline() -> None:
    assert matches("title:flood", "nothing", title="Floods in Sindh")
    assert not matches("title:flood", "Floods in Sindh", title="Weather")
    assert matches("title:(flood OR rain) karachi", "karachi", title="Rain lashes city")
    assert matches("flood NOT title:flood", "a flood", title="Weather")
    assert not matches("flood NOT title:flood", "a flood", title="Flood")


def test_a_match_records_terms_as_written_fields_and_highlights() -> None:
    body = (
        "LAHORE: The Counter-Terrorism Department said on Monday that cyber-crime units "
        "had joined the drive against money mules."
    )
    found = match('counterterrorism OR cybercrime OR "money mule" OR hawala', body, "CTD drive")
    assert found is not None
    assert found.watch == "w"
    assert found.terms == ("counterterrorism", "cybercrime", '"money mule"')
    assert found.fields == ("body",)
    marked = [found.snippet[start:end] for start, end in found.highlights]
    assert marked == ["Counter-Terrorism", "cyber-crime", "money mules"]
    assert mark(found.snippet, found.highlights, "[", "]").startswith("LAHORE: The [Counter-")


def test_only_positive_terms_are_reported() -> None:
    found = match("militant NOT (cricket OR film)", "militant attack near the cricket ground")
    assert found is None
    found = match("militant OR NOT NOT raid", "militant raid")
    assert found is not None
    assert found.terms == ("militant", "raid")
    found = match("militant AND NOT title:raid", "militant raid", title="Report")
    assert found is not None
    assert found.terms == ("militant",)


def test_title_only_matches_use_the_title_as_snippet() -> None:
    found = match("title:CTD", "The department said nothing.", title="CTD arrests two")
    assert found is not None
    assert found.fields == ("title",)
    assert found.snippet == "CTD arrests two"
    assert found.highlights == ((0, 3),)


def test_the_snippet_is_cut_on_word_boundaries_around_the_first_body_hit() -> None:
    words = [f"word{index}" for index in range(200)]
    words[120] = "Naqvi"
    words[135] = "naqvi’s"
    found = match("naqvi", " ".join(words), title="Naqvi says")
    assert found is not None
    assert found.fields == ("title", "body")
    assert found.snippet.startswith("…word") and found.snippet.endswith("…")
    assert 180 <= len(found.snippet) <= 300
    assert all(
        piece.startswith("word") or piece.lower().startswith("naqvi")
        for piece in found.snippet.strip("…").split()
    )
    assert [found.snippet[s:e] for s, e in found.highlights] == ["Naqvi", "naqvi’s"]


def test_the_snippet_collapses_whitespace_and_keeps_offsets_right() -> None:
    body = "Officials  said\n\nthe   FIA\tand the\n NCCIA\u00a0raided call centres."
    found = match("FIA OR NCCIA", body)
    assert found is not None
    assert found.snippet == "Officials said the FIA and the NCCIA raided call centres."
    assert [found.snippet[s:e] for s, e in found.highlights] == ["FIA", "NCCIA"]


def test_mark_merges_overlaps_and_defaults_to_double_asterisks() -> None:
    assert mark("abc def", ((0, 3), (4, 7))) == "**abc** **def**"
    assert mark("abcdef", ((0, 4), (2, 6))) == "**abcdef**"
    assert mark("abc", ()) == "abc"


def test_results_follow_watch_order_and_shared_terms_are_indexed_once() -> None:
    queries = [
        (f"w{i}", "cybercrime" if i % 2 else "counterterrorism AND cyber*") for i in range(50)
    ]
    found = Matcher(queries).match("", "cyber crime and counter terrorism")
    assert [m.watch for m in found] == [f"w{i}" for i in range(50)]
    assert Matcher(queries).match("", "counter terrorism only") == []


def test_matcher_accepts_watches_parsed_queries_and_strings() -> None:
    watch = Watch.from_query("ct", "counterterrorism", recipients=("a@example.org",))
    matcher = Matcher([watch, ("cc", parse("cybercrime")), ("fin", '"terror financing"')])
    assert len(matcher) == 3
    found = matcher.match("Terror financing", "cyber-crime and counter-terrorism")
    assert [m.watch for m in found] == ["ct", "cc", "fin"]


def test_duplicate_names_and_empty_inputs() -> None:
    with pytest.raises(ValueError, match="two watches"):
        Matcher([("a", "x"), ("a", "y")])
    assert Matcher([]).match("title", "body") == []
    assert Matcher([("a", "x")]).match("", "") == []


def test_highlighted_text_normalises_to_the_term() -> None:
    body = "Un groupe a été arrêté à Peshawar; l’armée et l’État ont réagi. ÉTAT, Ｐｅｓｈａｗａｒ."
    found = match("peshawar OR etat", body)
    assert found is not None
    assert [fold(found.snippet[s:e]) for s, e in found.highlights] == [
        "peshawar",
        "etat",
        "peshawar",
    ]
    assert not matches("etat", "l’État")  # an apostrophe between letters joins them


def test_names_lists_the_matching_watches_without_building_matches() -> None:
    matcher = Matcher([("ct", "counterterrorism"), ("cc", "cybercrime"), ("ml", "laundering")])
    body = "counter-terrorism and cyber crime"
    assert matcher.names("", body) == ["ct", "cc"]
    assert matcher.names("", body) == [m.watch for m in matcher.match("", body)]
