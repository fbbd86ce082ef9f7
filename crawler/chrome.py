"""Site chrome around an article: blocks pruned before text extraction, lines dropped after it.

Sidebars ("Must Read"), comment forms ("LEAVE A REPLY"), newsletter boxes and related-story lists.
trafilatura drops most of them on article pages, but on a page without article text (a video post)
its fallback extractors return exactly these blocks. Reads no settings.
"""

from __future__ import annotations

import re

from lxml.etree import XPath
from lxml.html import HtmlElement

# A block is chrome by its role or its id/class; it never holds the headline or the article.
# Measured on ../shared/eval: no loss of body F1 (bench/extraction_quality.py). A Python loop over
# the block tags is twice as fast here as one XPath with a dozen contains() tests.
_BLOCK_TAGS = ("aside", "div", "section", "form", "ul")
_HINT = re.compile(r"sidebar|widget-area|comment|newsletter|related|more-stories|must-read|most-")
_CHROME_CLASS = re.compile(
    r"(?:^|\s)(?:[\w-]*[_-])?sidebar(?:$|\s)|(?:^|\s)widget-area(?:$|\s)|"
    r"(?:^|\s)comment-(?:respond|form)(?:$|\s)|newsletter|"
    r"related[-_ ]?(?:posts|articles|stories|content|news|links)|"
    r"more-stories|must-read|most-read|most-popular",
    re.IGNORECASE,
)
_CHROME_ID = re.compile(
    r"^(?:respond|comments|commentform|(?:[\w-]*[_-])?sidebar)$|newsletter", re.I
)
_HOLDS_ARTICLE = XPath(".//*[self::h1 or self::article or @itemprop='articleBody']")


def _is_chrome_block(element: HtmlElement) -> bool:
    if element.tag != "aside" and element.get("role") != "complementary":
        css, ident = element.get("class") or "", element.get("id") or ""
        if not (_HINT.search(css.lower()) or _HINT.search(ident.lower())):
            return False
        if not (_CHROME_CLASS.search(css) or _CHROME_ID.search(ident)):
            return False
    return not _HOLDS_ARTICLE(element)


# A paragraph that is only one of these is chrome that survived extraction.
_CHROME_LINE = re.compile(
    r"^[\s\-–—»]*(?:leave a (?:reply|comment)|post a comment|add a comment|\d*\s*comments?|"
    r"please enter your (?:comment|name here|email address here)|"
    r"you have entered an incorrect email address|"
    r"save my name,? email,? and website in this browser.*|"
    r"must read|related(?: articles| posts| stories| news| content)?|read more|also read|"
    r"read also|you (?:may|might) also like|recommended(?: for you)?|(?:most )?popular(?: posts)?|"
    r"most read|trending(?: now)?|don'?t miss|more (?:stories|news)|latest (?:news|posts)|"
    r"share(?: this(?: article| story| post)?| on \w+)?|"
    r"(?:(?:facebook|twitter|x|whatsapp|linkedin|pinterest|telegram|email|reddit|print|copy link)"
    r"[\s|,·]*){2,}|"
    r"(?:subscribe|sign up)(?: (?:to|for) (?:our|the) newsletter)?|newsletter|"
    r"get the latest (?:news|headlines|stories).*(?:inbox|email).*|"
    r"advertisement|sponsored(?: content)?|follow us on \w+(?: and \w+)?)"
    r"[\s.!:»>-]*$",
    re.IGNORECASE,
)


def prune_chrome(tree: HtmlElement) -> None:
    """Remove sidebars, comment forms, newsletter boxes and related-story blocks, in place."""
    chrome = [element for element in tree.iter(*_BLOCK_TAGS) if _is_chrome_block(element)]
    for element in chrome:
        if element.getparent() is not None:
            element.drop_tree()


def is_chrome_line(paragraph: str) -> bool:
    """True for a short paragraph that is only a widget label ("LEAVE A REPLY", "Must Read")."""
    return len(paragraph) <= 120 and _CHROME_LINE.match(paragraph) is not None
