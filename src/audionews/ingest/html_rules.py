"""What a listener must not hear from a page, and what must not be heard twice.

Two stages. Before extraction, ``clean_page`` removes from the page what is never the article
whatever the text says: media players and dialogs (their menus would be read as lists).
After extraction, ``tidy`` goes over the blocks:

- teasers for other stories: a "Related" / "Read more" / "Next article" lead-in, and the
  links that follow a bare lead-in; a heading that is only a link (the headline of another
  story). A heading inside the article never cuts off what follows it;
- tag and topic lists ("Tags:", "Topics:");
- picture credits, calls to action ("Sign up for our newsletter", "Continue reading"),
  unrendered shortcodes, and player and dialog text that survived the cleaning;
- images: a caption is read once, as a caption. Alt text that is a file name, a web address
  or a placeholder is never read; "Image:" labels inside alt text are dropped; an alt text
  that repeats the caption, the title or a paragraph is not read again;
- what was just read: a caption or the standfirst said again (as alt text, a paragraph, a
  one-item list), or a block repeated next to itself. An article may repeat itself further
  on by design (the same recipe under two meal plans): that is read as written;
- a heading that repeats another heading (it names no section of its own) or is longer than
  a headline is read as a paragraph.
"""

from __future__ import annotations

import collections
import re
from typing import Any

from audionews.article import Figure, Heading, ListBlock, Paragraph, Quotation, Table
from audionews.ingest.html_body import Piece, norm

HEADING_MAX_WORDS = 14
# A block whose text is at least this share of link text is a link (a teaser, a tag, a menu).
LINKED = 0.8
# Repeats shorter than this (in words) may be the article's own ("Yes.", a refrain).
REPEAT_MIN_WORDS = 5
# A block repeating one of this many blocks before it is an extraction's repeat.
RECENT_BLOCKS = 3
# Under a teaser's headline, a paragraph this short is its blurb.
TEASER_BLURB_WORDS = 30

_RELATED = re.compile(
    r"^(?:other|more|related|recommended|most (?:read|popular|viewed)|read (?:more|next|also)|"
    r"you (?:may|might) (?:also )?like|trending|editor'?s? picks|latest|top stories|also read|"
    r"also|see also|further reading|sponsored|next (?:article|story|post)|"
    r"previous (?:article|story|post)|up next|watch next|more (?:from|on|stories|news)|"
    r"related (?:posts?|articles?|stories|coverage|content|links?)|see more|don'?t miss|"
    r"also on|more on this|recommended for you|read this next)\b",
    re.I,
)
_TAGS = re.compile(
    r"^(?:tags?|topics?|related topics|filed under|categories|category|keywords|themen|"
    r"etiquetas|mots[- ]clés|schlagworte)\b\s*:?",
    re.I,
)
_PLAYER = re.compile(
    r"^(?:this is a modal window|beginning of dialog window|end of dialog window|"
    r"escape will cancel|video player is loading|your browser does not support (?:the )?"
    r"(?:video|audio)|no compatible source was found|an error occurred while loading)",
    re.I,
)
# Calls to action and page furniture: never the article's words. Only the general forms
# (subscribe, sign up, follow us, share this, continue reading, a comment count), not the
# wording of any one site.
_PROMO = re.compile(
    r"^(?:sign up|subscribe|click here|tap here|share (?:it|this)|follow (?:us|me|him|her|them)\b|"
    r"download (?:our|the) app|join (?:us|our)|like this (?:story|article)|"
    r"have a (?:news )?tip|advertisement|"
    r"continue reading(?: the main story)?$|(?:story|article) continues below|"
    r"scroll (?:down )?to continue|\d*\s*comments?$|(?:less|more)\W*(?:less|more)?\W*$|"
    r"follow\b.{0,40}\bon (?:twitter|facebook|instagram|social media))",
    re.I,
)
_PROMO_WORDS = re.compile(r"\bnewsletters?\b|\binbox\b|\bsubscri|\bsign up\b", re.I)
PROMO_MAX_WORDS = 25
_STAMP = re.compile(r"^(?:updated|published|posted|last updated|first published)\b", re.I)
# An unrendered WordPress shortcode: [button link="…"]Text[/button].
# Only tags with attributes or closing tags: "[sic]" and "[the president]" are the writer's.
_SHORTCODE = re.compile(r"\[[a-z_]+\s[^\]]*=[^\]]*\]|\[/[a-z_]+\]", re.I)
_CREDIT = re.compile(
    r"^(?:(?:source|photo|image|picture|credit|illustration|video)s?\s*:|"
    r"(?:image |photo |picture )?(?:copyright|©))",
    re.I,
)
_TRAILING_CREDIT = re.compile(
    r"(?<=[.!?”\"])\s+(?:source|photo|picture|image|credit)s?\s*:\s*[^.!?]{1,40}$", re.I
)
_LABEL = re.compile(
    r"^(?:(?:image|photo|picture|foto|imagen|bild|graphic|illustration|video)\s*:\s*)+", re.I
)
_FILE_NAME = re.compile(
    r"(?:^|[\s/])[\w%.-]+\.(?:jpe?g|png|gif|webp|svg|bmp|tiff?|avif|heic|mp4|webm)\b", re.I
)
_PLACEHOLDER = re.compile(
    r"^(?:image|img|photo|picture|foto|placeholder|logo|icon|avatar|thumbnail|thumb|banner|"
    r"spacer|blank|loading|null|undefined|none|untitled|graphic|figure|advertisement|ad)"
    r"(?:\s*\d*)$",
    re.I,
)

_PLAYER_CLASSES = ("video-js", "jwplayer", "jw-player", "mejs-container", "plyr", "modal")
_PLAYER_PREFIXES = ("vjs-", "jw-", "mejs-", "plyr__")
# A player's or dialog's own text is short; an element holding more wraps part of the page
# (a "modal-enabled" wrapper round the whole article).
PLAYER_MAX_WORDS = 150
# The page's frame: a class such as "modal-open" on them says a dialog is open, nothing more.
_FRAME = ("html", "body", "main", "article")


def clean_page(tree: Any) -> None:
    """Remove media players, dialogs and hidden dialog content from the page, in place."""
    doomed = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in _FRAME:
            continue
        if element.tag in ("video", "audio"):
            doomed.append(element)
            continue
        if element.get("role") in ("dialog", "alertdialog") or element.get("aria-modal") == "true":
            doomed.append(element)
            continue
        classes = (element.get("class") or "").split()
        if any(c in _PLAYER_CLASSES or c.startswith(_PLAYER_PREFIXES) for c in classes):
            doomed.append(element)
    for element in doomed:
        if element.getparent() is None:
            continue
        if len(element.text_content().split()) <= PLAYER_MAX_WORDS:
            element.drop_tree()


def is_file_name(text: str) -> bool:
    """Alt text that names a file or an address rather than what the image shows."""
    text = text.strip()
    if not text:
        return False
    if re.search(r"https?://|www\.\w", text) or _FILE_NAME.search(text):
        return True
    # One "word" made of an identifier: IMG_2041, DSC-0042, 5f3a9c1e, hero_image_2x.
    return " " not in text and bool(re.search(r"[_\d]", text)) and len(text) > 3


def _caption(text: str) -> str:
    """Alt text or a caption as it should be read: no "Image:" label, no file name."""
    text = _LABEL.sub("", " ".join(text.split())).strip()
    if is_file_name(text) or _PLACEHOLDER.match(text):
        return ""
    return text


def _similar(a: str, b: str) -> bool:
    a, b = norm(a), norm(b)
    return bool(a) and (a == b or (len(a) > 15 and (a in b or b in a)))


def _is_promo(text: str) -> bool:
    """A call to action ("Sign up for our newsletter"), a "Continue reading" or an
    "Updated at 1:23 p.m." line: short, and never the article's words."""
    words = len(text.split())
    if words > PROMO_MAX_WORDS:
        return False
    if _PROMO.match(text) or (_STAMP.match(text) and words <= 8):
        return True
    return len(_PROMO_WORDS.findall(text)) >= 2


def _is_credit(text: str) -> bool:
    words = text.split()
    if _CREDIT.match(text) and len(words) <= 8:
        return True
    return (
        len(words) <= 6 and "/" in text and not re.search(r"[.!?]$", text) and ("://" not in text)
    )


def _text(piece: Piece) -> str:
    block = piece.block
    if isinstance(block, ListBlock):
        return " ".join(block.items)
    if isinstance(block, Table):
        return " ".join(" ".join(row) for row in (block.header, *block.rows))
    if isinstance(block, Figure):
        return block.caption
    return getattr(block, "text", "")


def _lead_in(piece: Piece) -> str | None:
    """ "label" when the block opens a run of teasers (a "Related stories" heading, a bare
    "Read more:"), "inline" when it is a teaser itself ("Read more: Other story"), else None.
    """
    block = piece.block
    if not isinstance(block, Heading | Paragraph):
        return None
    text = block.text
    for pattern in (_RELATED, _TAGS):
        match = pattern.match(text)
        if not match:
            continue
        rest = text[match.end() :].strip(" :.…-–—>»")
        if isinstance(block, Paragraph) and len(text.split()) > 12:
            return None  # "More than two decades ago, …": a sentence, not a lead-in
        if not rest or (
            pattern is _RELATED and isinstance(block, Heading) and len(text.split()) <= 6
        ):
            return "label"
        if pattern is _TAGS or piece.links >= 0.5 or ":" in text[: match.end() + 2]:
            return "inline"
    return None


def _teaser(piece: Piece, after_heading: bool) -> bool:
    """Whether a block, in a run of teasers, is one: a link, an image, another story's
    headline, or the short blurb under that headline."""
    block = piece.block
    if piece.links >= LINKED or isinstance(block, Figure):
        return True
    if isinstance(block, Heading):
        return len(block.text.split()) <= HEADING_MAX_WORDS
    return (
        isinstance(block, Paragraph)
        and after_heading
        and len(block.text.split()) <= TEASER_BLURB_WORDS
    )


def tidy(
    found: list[Piece], title: str, captions: set[str], standfirst: str | None = None
) -> list[Piece]:
    """The blocks a listener should hear, in order (see the module's docstring).

    captions: the page's figure captions (figcaption texts), normalised, so that a caption
    trafilatura gives as a paragraph is read as a caption.
    standfirst: the standfirst read first, never to be read again.
    """
    kept: list[Piece] = []
    teasers = False  # in a run of teasers for other stories
    after_heading = False  # the block before was a teaser's headline
    pending: Piece | None = None  # a "Read more about …" heading: a teaser's or a section's?
    for piece in found:
        block = piece.block
        text = _text(piece)
        if teasers:
            if _teaser(piece, after_heading):
                after_heading = isinstance(block, Heading)
                pending = None
                continue
            if pending is not None and not piece.ghost:
                # Article text follows it at once: the heading names a section of the article.
                kept.append(pending)
            teasers = after_heading = False
            pending = None
        lead = _lead_in(piece)
        if lead is not None:
            teasers = lead == "label"
            related = _RELATED.match(text)
            if teasers and isinstance(block, Heading) and related and not piece.ghost:
                # "Read more about the survey" may head a section of the article: kept if
                # article text, not teasers, follows it. A bare "More:" never is.
                pending = piece if text[related.end() :].strip(" :.…-–—>»") else None
            continue
        if isinstance(block, Heading) and piece.links >= 0.9:
            # A heading that is only a link is the headline of another story.
            teasers = after_heading = True
            continue
        if piece.ghost:
            continue
        if isinstance(block, Paragraph | Heading) and _PLAYER.match(text):
            continue
        if isinstance(block, ListBlock):
            items = tuple(i for i in block.items if not _PLAYER.match(i) and not _is_promo(i))
            if not items:
                continue
            if all(norm(i) in captions for i in items):
                # A caption set as a list item ("a list of 1 item"): read as the caption.
                kept.extend(Piece(Figure(i)) for i in items)
                continue
            if items != block.items:
                piece = Piece(ListBlock(items, block.ordered), piece.links)
        if isinstance(block, Paragraph):
            if _is_credit(text) or _is_promo(text):
                continue
            if _SHORTCODE.search(text):
                text = " ".join(_SHORTCODE.sub(" ", text).split())
                if not text:
                    continue
                piece = Piece(Paragraph(text), piece.links)
            if credit := _TRAILING_CREDIT.search(text):
                piece = Piece(Paragraph(text[: credit.start()].rstrip()), piece.links)
            if norm(text) in captions:
                piece = Piece(Figure(text), piece.links)
        if isinstance(block, Figure):
            caption = _caption(block.caption)
            if not caption or _similar(caption, title):
                continue
            piece = Piece(Figure(caption), 0.0, piece.src)
        if isinstance(block, Heading) and len(text.split()) > HEADING_MAX_WORDS:
            piece = Piece(Paragraph(text), piece.links)
        kept.append(piece)
    return _demote_repeated_headings(_read_once(_captions_once(kept), standfirst))


def _captions_once(found: list[Piece]) -> list[Piece]:
    """An image's alt text beside a caption or paragraph that says it (or more): not read.

    Two images with the same text are left to ``_read_once``, which keeps the first.
    """
    kept: list[Piece] = []
    for index, piece in enumerate(found):
        block = piece.block
        if isinstance(block, Figure):
            alt = norm(block.caption)
            near = found[max(0, index - 2) : index] + found[index + 1 : index + 3]
            if any(
                _similar(block.caption, _text(other))
                and (
                    isinstance(other.block, Paragraph)
                    or (isinstance(other.block, Figure) and len(norm(_text(other))) > len(alt))
                )
                for other in near
            ):
                continue
        kept.append(piece)
    return kept


def _read_once(found: list[Piece], standfirst: str | None = None) -> list[Piece]:
    """Drop what was just read: a caption (or the standfirst) said again as alt text, a
    paragraph or a list item, or a block repeated next to itself.

    An article may repeat itself on purpose further on (the same recipe under two meal
    plans): only a repeat of a caption or the standfirst, or of one of the few blocks just
    before, is the page's doing.
    """
    said: list[str] = [norm(standfirst)] if standfirst else []  # captions, the standfirst
    recent: list[str] = []  # the last blocks read
    kept: list[Piece] = []

    def seen(text: str, minimum: int) -> bool:
        key = f" {norm(text)} "
        if len(key.split()) < minimum:
            return False
        return any(key in f" {r} " for r in [*said, *recent[-RECENT_BLOCKS:]])

    for piece in found:
        block = piece.block
        if isinstance(block, Figure):
            if seen(block.caption, 1):
                continue
            said.append(norm(block.caption))
        elif isinstance(block, Paragraph | Quotation):
            if seen(block.text, REPEAT_MIN_WORDS):
                continue
        elif isinstance(block, ListBlock):
            items = tuple(i for i in block.items if not seen(i, REPEAT_MIN_WORDS))
            if not items:
                continue
            if len(items) != len(block.items):
                piece = Piece(ListBlock(items, block.ordered), piece.links)
        if not isinstance(block, Heading):
            recent.append(norm(_text(piece)))
        kept.append(piece)
    return kept


def _demote_repeated_headings(found: list[Piece]) -> list[Piece]:
    """A heading whose text recurs names no section of its own: it is read as a paragraph."""
    counts = collections.Counter(norm(p.block.text) for p in found if isinstance(p.block, Heading))
    return [
        Piece(Paragraph(p.block.text), p.links)
        if isinstance(p.block, Heading) and counts[norm(p.block.text)] > 1
        else p
        for p in found
    ]
