"""Matcher throughput: articles/s with 10, 100, 1,000 and 10,000 watches, on one core.

Articles and watches are generated from a news vocabulary with a fixed seed, so runs compare.
CPU time (time.process_time) is measured, not wall time.

    .venv/bin/python bench/matcher.py [--articles N] [--watches 10,100,1000,10000] [--repeat R]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from watches.matcher import Matcher  # noqa: E402


def _words(text: str) -> list[str]:
    return text.split()


GENERAL = _words(
    """
said the of and to in a on for with that was by at from as has have were is are be will would
officials government minister security police federal provincial people city district area
meeting report week month year day statement told added also after before during over under
more than new other two three several many some its their his her they it this which who
operation forces official authorities agency agencies department court case cases law order
public national interior chief senior local foreign international region country border town
news press conference interview spokesman sources according including however while against
between about into through further since because where when whether both last next first
arrested killed injured suspects militants group groups network networks members leader
attack attacks blast incident investigation investigators evidence charges trial judge
action measures plan programme support cooperation training capacity equipment technology
control centre academy unit wing team officers personnel staff intelligence information data
financial fraud crime crimes criminal illegal centres companies banks accounts transactions
million billion rupees dollars funds assets property seized recovered arrested detained
economy market prices inflation budget tax revenue trade exports imports growth development
election party parliament assembly senate opposition protest protests rally strike workers
weather rain flood floods heat water power electricity gas fuel road roads highway traffic
school schools university students teachers hospital health doctors patients vaccine disease
match team cricket series players coach win won lost score record tournament final stadium
"""
)

TOPICS = {
    "terrorism": """counterterrorism counter-terrorism terrorism terrorist terrorists extremism
        extremist radicalisation militancy insurgency insurgents bomber explosives IED suicide
        checkpoint sectarian proscribed militant hideout compound raid intelligence-based""",
    "cyber": """cybercrime cyber-crime cybercrimes hacker hackers hacking ransomware phishing
        malware encryption breach leak spyware botnet cyberattack cyber-attack online website
        accounts passwords scam scams fraudsters""",
    "finance": """laundering launderers laundered hawala hundi sanctions terror-financing
        smuggled currency dollars transactions accounts shell companies assets frozen
        remittances illicit proceeds""",
    "border": """smuggling smugglers trafficking narcotics heroin hashish infiltration fencing
        crossing border-crossing kidnapping kidnapped abduction ransom extortion deportation
        refugees migrants checkpoint""",
    "politics": """election elections parliament senate opposition coalition vote votes
        campaign candidates ballot cabinet prime minister speaker motion bill""",
    "economy": """inflation budget tax taxes revenue exports imports growth deficit loan
        loans reserves rupee currency interest rate investment""",
    "sport": """cricket match innings wicket wickets bowler batsman series captain coach
        tournament final stadium squad hockey football""",
    "weather": """rain rains monsoon flood floods heatwave temperature storm cyclone drought
        snowfall landslide""",
    "health": """hospital hospitals doctors patients vaccine vaccination polio dengue
        disease outbreak medicines clinic""",
}
TOPIC_WEIGHTS = {
    "terrorism": 8,
    "cyber": 6,
    "finance": 5,
    "border": 6,
    "politics": 20,
    "economy": 18,
    "sport": 15,
    "weather": 10,
    "health": 12,
}
WATCH_TOPICS = ["terrorism", "cyber", "finance", "border"]

PHRASES = {
    "terrorism": [
        "suicide bomber",
        "security forces",
        "counter terrorism department",
        "intelligence-based operation",
        "law enforcement",
    ],
    "cyber": ["cyber crime", "data breach", "call centres", "dark web", "law enforcement"],
    "finance": [
        "money laundering",
        "terror financing",
        "financial monitoring unit",
        "grey list",
        "shell companies",
    ],
    "border": [
        "border security",
        "border management",
        "drug trafficking",
        "human smuggling",
        "border crossing",
    ],
}

PLACES = _words(
    """Pakistan Afghanistan Iran India China Karachi Lahore Islamabad Rawalpindi Peshawar Quetta
    Balochistan Sindh Punjab Khyber Pakhtunkhwa Waziristan Bannu Gwadar Torkham Chaman Kabul
    Tehran Delhi Dubai Washington London Kashmir Chitral Swat Mardan Kohat Multan Faisalabad"""
)
ORGS = _words("FIA NCCIA CTD NACTA FATF ANF ISPR TTP BLA ISKP FBI INL UN IMF SECP FMU PTA NAB")
SYLLABLES = _words("ka ra zi ba lu mo na ri ta sha khan gul dar pur abad stan wal mir jan ul")


_COMMON = set(GENERAL)  # watches name what is specific to a topic
_CUMULATIVE: dict[int, list[float]] = {}


def _zipf(rng: random.Random, words: list[str]) -> str:
    """A word drawn with probability proportional to 1/rank, as word frequencies roughly are."""
    if len(words) not in _CUMULATIVE:
        _CUMULATIVE[len(words)] = list(accumulate(1 / rank for rank in range(1, len(words) + 1)))
    return rng.choices(words, cum_weights=_CUMULATIVE[len(words)])[0]


class Corpus:
    """Deterministic articles and watches over one vocabulary. Each topic has its real words
    plus a long tail of made-up ones (most specialised words are rare), and made-up names."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.names = [word.capitalize() for word in self._made_up(3000, set())]
        taken = {name.lower() for name in self.names}
        self.lexicon = {
            topic: words.split() + self._made_up(400, taken) for topic, words in TOPICS.items()
        }

    def _made_up(self, count: int, taken: set[str]) -> list[str]:
        out: list[str] = []
        while len(out) < count:
            word = "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 4)))
            if word not in taken:
                taken.add(word)
                out.append(word)
        return out

    def _word(self, topic: str) -> str:
        roll = self.rng.random()
        if roll < 0.86:
            return _zipf(self.rng, GENERAL)
        if roll < 0.92:
            return _zipf(self.rng, self.lexicon[topic])
        if roll < 0.93 and topic in PHRASES:
            return self.rng.choice(PHRASES[topic])
        if roll < 0.97:
            return _zipf(self.rng, PLACES + ORGS)
        return _zipf(self.rng, self.names)

    def _sentence(self, topic: str, length: int) -> str:
        words = [self._word(topic) for _ in range(length)]
        for index in range(3, length - 2, self.rng.randint(6, 12)):
            words[index] += ","
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def articles(self, count: int) -> list[tuple[str, str]]:
        """``count`` (title, body) pairs of 350-800 words in paragraphs of 2-5 sentences, each
        on one topic; a quarter of them on the security topics the watches are about."""
        out = []
        topics, weights = list(TOPIC_WEIGHTS), list(TOPIC_WEIGHTS.values())
        for _ in range(count):
            topic = self.rng.choices(topics, weights=weights)[0]
            title = self._sentence(topic, self.rng.randint(7, 12)).rstrip(".")
            paragraphs, words = [], 0
            target = self.rng.randint(350, 800)
            while words < target:
                sentences = [
                    self._sentence(topic, self.rng.randint(10, 30))
                    for _ in range(self.rng.randint(2, 5))
                ]
                words += sum(s.count(" ") + 1 for s in sentences)
                paragraphs.append(" ".join(sentences))
            out.append((title, "\n\n".join(paragraphs)))
        return out

    def _term(self, topic: str, places: bool) -> str:
        roll = self.rng.random()
        words = [word for word in self.lexicon[topic] if word not in _COMMON]
        if roll < 0.40:
            return self.rng.choice(words).replace("-", "")
        if roll < 0.55:
            return f'"{self.rng.choice(PHRASES[topic])}"'
        if roll < 0.65:
            stem = self.rng.choice([w for w in words if len(w) >= 8]).replace("-", "")
            return stem[: len(stem) - self.rng.randint(2, 3)] + "*"
        if roll < 0.80 and places:
            return self.rng.choice(PLACES + ORGS)
        return self.rng.choice(self.names)

    def _group(self, topic: str, places: bool) -> str:
        """One term, or an OR of up to four; place and agency names only where ``places``."""
        terms = {self._term(topic, places) for _ in range(self.rng.randint(1, 4))}
        return terms.pop() if len(terms) == 1 else "(" + " OR ".join(sorted(terms)) + ")"

    def watch_queries(self, count: int) -> list[str]:
        """A mix of OR lists, AND, phrases, prefixes, NEAR, NOT and title: queries."""
        out = []
        for _ in range(count):
            roll = self.rng.random()
            topic = self.rng.choice(WATCH_TOPICS)
            one, two = self._group(topic, False), self._group(topic, True)
            if roll < 0.25:
                query = one
            elif roll < 0.55:
                query = f"{one} AND {two}"
            elif roll < 0.70:
                query = f"{one} {self.rng.choice(self.names)}"
            elif roll < 0.82:
                query = f"{one} NEAR/{self.rng.randint(3, 12)} {two}"
            elif roll < 0.92:
                query = f"{one} NOT {two}"
            else:
                query = f"title:{one} {two}"
            out.append(query)
        return out


def _best(passes: int, pass_: Callable[[], int]) -> tuple[float, int]:
    """The shortest CPU time of ``passes`` runs (other processes only ever slow one down)."""
    best, result = float("inf"), 0
    for _ in range(passes):
        start = time.process_time()
        result = pass_()
        best = min(best, time.process_time() - start)
    return best, result


def run(
    count: int, docs: list[tuple[str, str]], queries: list[str], repeat: int
) -> tuple[float, float, float, float]:
    """Build seconds, articles/s with full matches (terms, snippets), articles/s finding only
    which watches match, and matches per article, for the first ``count`` queries."""
    start = time.process_time()
    matcher = Matcher([(f"w{index}", query) for index, query in enumerate(queries[:count])])
    built = time.process_time() - start
    full, matched = _best(repeat, lambda: sum(len(matcher.match(*doc)) for doc in docs))
    names, _ = _best(repeat, lambda: sum(len(matcher.names(*doc)) for doc in docs))
    return built, len(docs) / full, len(docs) / names, matched / len(docs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--watches", default="10,100,1000,10000")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--repeat", type=int, default=3, help="passes per size; the best counts")
    options = parser.parse_args(argv)
    corpus = Corpus(options.seed)
    docs = corpus.articles(options.articles)
    counts = [int(n) for n in options.watches.split(",")]
    queries = corpus.watch_queries(max(counts))
    words = sum(len(t.split()) + len(b.split()) for t, b in docs) / len(docs)
    print(f"{len(docs)} articles, {words:.0f} words each on average; one core, CPU time")
    print("articles/s: full matches (terms, snippet); find only: just which watches match;")
    print("matches: watches matched per article; µs/match: what terms and snippets add per match")
    header = f"{'watches':>8} {'build s':>8} {'articles/s':>11} {'find only':>10} {'matches':>8}"
    print(f"{header} {'µs/match':>9}")
    for count in counts:
        built, full, names, per_article = run(count, docs, queries, options.repeat)
        row = f"{count:>8} {built:>8.2f} {full:>11.0f} {names:>10.0f} {per_article:>8.2f}"
        # Too few matches and the difference is mostly noise.
        extra = f"{(1 / full - 1 / names) * 1e6 / per_article:.1f}" if per_article >= 1 else "-"
        print(f"{row} {extra:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
