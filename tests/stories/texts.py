"""Fixture wire stories for the clustering tests, each with the expectation it is written for.

All names and events are invented. ``PORT_PLOT`` is a wire story; the ``PORT_PLOT_*`` copies are
what five sites make of it and must join its story. ``MARKET_TRIAL``, ``SYNAGOGUE_PLOT`` and
``PORT_PLOT_FOLLOW_UP`` are other counterterrorism stories (the last one on the same case,
reusing a background paragraph) and must each open a story of their own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    title: str
    body: str


_LEAD = (
    "ROTTERDAM (Wire) - Dutch police arrested three men on Tuesday on suspicion of planning an "
    "attack on the port of Rotterdam, prosecutors said, after a months-long investigation that "
    "began with a tip from a foreign intelligence service."
)
_RAIDS = (
    "The men, aged 19, 23 and 31, were detained in raids on homes in Rotterdam and Schiedam "
    "shortly before dawn. Officers seized two hunting rifles, chemical precursors and a notebook "
    "containing hand-drawn maps of container terminals, according to a statement from the "
    "national prosecution office."
)
_QUOTE = (
    '"We have reason to believe that the suspects were in the final stage of preparations," a '
    "spokeswoman for the prosecution office told reporters outside the court in The Hague. She "
    "declined to say which terminal had been targeted or whether the men had links to an "
    "organised group."
)
_MONITORING = (
    "Investigators had been monitoring the suspects since March, when a foreign partner service "
    "passed on messages in which one of them discussed buying weapons online. The suspects will "
    "appear before an examining magistrate on Friday, who will decide whether they remain in "
    "custody."
)
_PORT = (
    "The port of Rotterdam, the largest in Europe, handles more than 400 million tonnes of cargo "
    "a year. A port authority spokesman said operations continued as normal and that security at "
    "the terminals had been reviewed with the police."
)
_THREAT_LEVEL = (
    "The Netherlands raised its national threat level to four on a scale of five in December, "
    "citing the risk posed by young people radicalised online. The national counterterrorism "
    "coordinator has warned repeatedly that suspects are getting younger and often act alone."
)
_MAYOR = (
    "Rotterdam mayor Pieter van Dam said in a post on social media that he was grateful to the "
    'police and urged residents to stay calm but vigilant. "This shows that the threat is real '
    'and close to home," he wrote.'
)

PORT_PLOT = Text(
    "Police arrest three in Rotterdam over suspected plot against port",
    "\n\n".join([_LEAD, _RAIDS, _QUOTE, _MONITORING, _PORT, _THREAT_LEVEL]),
)

# Same text, the site's own headline: joins PORT_PLOT.
PORT_PLOT_NEW_HEADLINE = Text(
    "Three held in Netherlands over alleged Rotterdam port attack plan", PORT_PLOT.body
)

# A paragraph added (the mayor's reaction) and a new headline: joins PORT_PLOT.
PORT_PLOT_ADDED_PARAGRAPH = Text(
    "Rotterdam port attack plot foiled, prosecutors say",
    "\n\n".join([_LEAD, _RAIDS, _MAYOR, _QUOTE, _MONITORING, _PORT, _THREAT_LEVEL]),
)

# A copy editor's pass: a dozen words changed, American spelling, the last paragraph cut.
PORT_PLOT_EDITED = Text(
    "Dutch police detain three men over suspected Rotterdam port attack plot",
    "\n\n".join(
        [
            _LEAD.replace("arrested", "detained")
            .replace("months-long", "lengthy")
            .replace("on Tuesday", "early on Tuesday"),
            _RAIDS.replace("hunting rifles", "guns").replace("shortly before dawn", "at dawn"),
            _QUOTE.replace("told reporters", "said").replace("organised", "organized"),
            _MONITORING.replace("since March", "for months"),
            _PORT.replace("more than 400 million", "over 400 million"),
        ]
    ),
)

# Another counterterrorism story, another country: its own story.
MARKET_TRIAL = Text(
    "Belgian court convicts two over foiled Christmas market attack",
    "\n\n".join(
        [
            "BRUSSELS (Wire) - A Belgian court on Wednesday sentenced two men to eight and ten "
            "years in prison for preparing an attack on the Christmas market in Liege, which "
            "police foiled last December after a tip from a neighbour.",
            "The court found that the older defendant, a 34-year-old delivery driver, had rented "
            "a van and studied the layout of the market square, while his co-defendant bought "
            "knives and recorded a video pledging allegiance to an Islamist group.",
            "Defence lawyers had argued that the men never took a concrete step towards an "
            "attack and that the video was bravado. The judges disagreed, saying the plans were "
            "detailed enough to have cost many lives.",
            "Belgium has kept its terrorism threat level at three on a scale of four since a "
            "gunman killed two Swedish football supporters in Brussels. Prosecutors say most new "
            "cases involve young men who were radicalised on social media.",
            "Both men have 15 days to appeal. Their lawyers did not say whether they would.",
        ]
    ),
)

# A third counterterrorism story, sharing the topic's vocabulary: its own story.
SYNAGOGUE_PLOT = Text(
    "German police arrest teenager over suspected plot against Berlin synagogue",
    "\n\n".join(
        [
            "BERLIN (Wire) - German police have arrested a 17-year-old on suspicion of planning "
            "an attack on a synagogue in Berlin, federal prosecutors said on Thursday, in the "
            "latest of a string of cases involving teenage suspects.",
            "The teenager, a German citizen whose name was withheld under privacy laws, was "
            "detained at his parents' flat in the district of Spandau. Investigators found "
            "instructions for building explosive devices on his mobile phone.",
            "According to prosecutors, he had been in contact with a member of a militant group "
            "abroad through a messaging app and had asked for help in obtaining a firearm. There "
            "was no immediate danger to the public, they said.",
            "The interior minister said security at Jewish institutions across the capital "
            "would be stepped up. Germany's domestic intelligence agency has warned that "
            "militant groups are targeting ever younger recruits online.",
        ]
    ),
)

# The same case a week later: new facts, the threat-level background reused. Its own story.
PORT_PLOT_FOLLOW_UP = Text(
    "Rotterdam port plot suspects to stay in custody, magistrate rules",
    "\n\n".join(
        [
            "ROTTERDAM (Wire) - A Dutch examining magistrate on Friday ordered three men accused "
            "of plotting an attack on the port of Rotterdam to remain in custody for another "
            "two weeks while the investigation continues.",
            "Lawyers for two of the men told the hearing that their clients had never intended "
            "to harm anyone and that the maps found in a search were drawn for a video game. "
            "The third suspect has admitted buying the rifles, his lawyer said.",
            "Prosecutors said they were examining whether the men had accomplices abroad and "
            "had asked authorities in two other European countries for information.",
            _THREAT_LEVEL,
        ]
    ),
)

# Feed-only summaries: the lead of PORT_PLOT as two sites' feeds carry it (different headlines),
# which join each other's story (but not the full-text story: see stories.cluster); and a
# summary of MARKET_TRIAL, which joins neither.
PORT_PLOT_SUMMARY = Text(PORT_PLOT.title, _LEAD)
PORT_PLOT_SUMMARY_OTHER_SITE = Text(PORT_PLOT_NEW_HEADLINE.title, _LEAD.replace("(Wire) - ", ""))
MARKET_TRIAL_SUMMARY = Text(MARKET_TRIAL.title, MARKET_TRIAL.body.split("\n\n")[0])

# Too short to compare: a headline and a few words. Each stays alone.
HEADLINE_ONLY = Text(PORT_PLOT.title, "Developing story.")

COPIES = [PORT_PLOT_NEW_HEADLINE, PORT_PLOT_ADDED_PARAGRAPH, PORT_PLOT_EDITED]
OTHER_STORIES = [MARKET_TRIAL, SYNAGOGUE_PLOT, PORT_PLOT_FOLLOW_UP]
