"""What a listener must not hear from a page, and what must not be heard twice.

Two stages. Before extraction, ``clean_page`` removes from the page what is never the article
whatever the text says: media players and dialogs (their menus would be read as lists), the
card that pops up over a link in running text (a photo and links to other stories), and the
box round a form asking for an email address (a newsletter's or a login's).
After extraction, ``tidy`` goes over the blocks:

- teasers for other stories: a "Related" / "Read more" / "Next article" lead-in (in brackets
  too), and the links that follow a bare lead-in; a heading that is only a link (the headline
  of another story); a list whose every item is a link. A heading inside the article never
  cuts off what follows it;
- tag and topic lists ("Tags:", "Topics:");
- picture credits, calls to action ("Sign up for our newsletter", "Continue reading", a short
  paragraph ending "Click here for more information."), reading times ("5 min read"),
  unrendered shortcodes, and player and dialog text that survived the cleaning;
- a news agency's credit line ("Reporting by …; Editing by …"), and the company description
  that closes a press release when it stands without an "About …" heading;
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
import html
import re
from typing import Any

from audionews.article import Figure, Heading, ListBlock, Paragraph, Quotation, Table
from audionews.ingest.html_body import Piece, norm, post_signature

HEADING_MAX_WORDS = 14
# A block whose text is at least this share of link text is a link (a teaser, a tag, a menu).
LINKED = 0.8
# Repeats shorter than this (in words) may be the article's own ("Yes.", a refrain).
REPEAT_MIN_WORDS = 5
# A block repeating one of this many blocks before it is an extraction's repeat.
RECENT_BLOCKS = 3
# Under a teaser's headline, a paragraph this short is its blurb.
TEASER_BLURB_WORDS = 30
# A caption is at most this long: a paragraph beside an image that repeats its alt text and
# is no longer is the image's caption.
CAPTION_MAX_WORDS = 30
# A paragraph of at least this many words found inside a caption is part of that caption.
CAPTION_PART_WORDS = 6

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
# (subscribe, sign up, follow us, share this, continue reading, a comment count, send us your
# …, we'd like to hear what you think, a "(Buy now)" link), not the wording of any one site.
_PROMO = re.compile(
    r"^(?:sign up|subscribe|click here|tap here|share (?:it|this)|follow (?:us|me|him|her|them)\b|"
    r"download (?:our|the) app|join (?:us|our)|like this (?:story|article)|"
    r"have a (?:news )?tip|advertisement|"
    r"continue reading(?: the main story)?$|(?:story|article) continues below|"
    r"scroll (?:down )?to continue|\d*\s*comments?$|(?:less|more)\W*(?:less|more)?\W*$|"
    r"follow\b.{0,40}\bon (?:twitter|facebook|instagram|social media)|"
    r"send us (?:your|a|an)\b|we(?:'|’)?d (?:like|love) to hear (?:from you|what you think)|"
    r".*[(\[](?:buy|shop|order)(?: it)? now[)\]]\W*$)",
    re.I,
)
# A paragraph that ends by asking to act on the page ("… the free daily newsletter. Sign up
# here.", "… every month. Click here for more information.", "Follow him on Twitter @roe.",
# "Listen to the programme live at noon, or listen back here.", "… And here's our email:
# letters@example.com.")
# is a promotion, or an author's note, when it is short: the sentences before lead to it.
_CALL = re.compile(
    r"^(?:sign up|subscribe|click here|tap here|download (?:our|the) app|"
    r"follow (?:us|me|him|her|them)\b.{0,40}(?:twitter|facebook|instagram|@\w)|"
    r"(?:listen|watch)\b.{0,80}\b(?:live|back|again|full|video|podcast|episode|interview)\b"
    r".{0,60}\bhere\W*$|"
    r"(?:and )?here(?:'|’)?s our e-?mail|(?:e-?mail|write to|contact) us (?:at|on)\b)",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“‘'(]?[A-Z0-9@])")
PROMO_PARAGRAPH_WORDS = 50
_PROMO_WORDS = re.compile(r"\bnewsletters?\b|\binbox\b|\bsubscri|\bsign up\b", re.I)
PROMO_MAX_WORDS = 25
_TO_THE_READER = re.compile(r"\b(?:you|your|our|us)\b", re.I)
_STAMP = re.compile(r"^(?:updated|published|posted|last updated|first published)\b", re.I)
# How long the page takes to read: "5 min read", "Reading time: 3 minutes", "Lesezeit: 4 Min."
_READING_TIME = re.compile(
    r"^(?:(?:estimated )?read(?:ing)? time|tempo de leitura|tiempo de lectura|"
    r"temps de lecture|lesezeit|leestijd)\s*:?\s*\d+\s*\w*\.?$|^\d+\s*min(?:ute)?s?\.?\s+read\.?$",
    re.I,
)
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
# A credit in brackets at the end of a caption: "(AP Photo/Jane Roe)", "[File: Reuters]",
# "(Getty Images)", "[Harbour Trust via Nasa]", and after a full stop "(NASA/JPL)". Only a
# short bracket that names a picture's source, or is set like one (a slash between names).
_PAREN_CREDIT = re.compile(
    r"\s*[(\[](?=[^()\[\]]{2,80}[)\]]\s*$)"
    r"(?:[^()\[\]]*\b(?:photo|photograph|image|picture|credit|courtesy|getty|reuters|afp|ap|"
    r"shutterstock|file|via)\b[^()\[\]]*"
    r"|(?:(?<=[.!?”\"]\s\()|(?<=^\())[^()\s]+/[^()\s][^()]*)"
    r"[)\]]\s*$",
    re.I,
)
_CAPTION_CREDIT = re.compile(
    r"\s*(?:\b(?:photo|image|picture)?\s*(?:credits?|photos?|images?|pictures?|source)\s*:"
    r"|©|\bcopyright\b)[^.!?]{0,60}$",
    re.I,
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
# Alt text of page furniture, not of a picture of the article: a logo, an icon, a button.
_FURNITURE = re.compile(
    r"^(?:\S+\s+){0,3}(?:logo|icon|avatar|banner|button)$|\bcall[- ]to[- ]action\b", re.I
)
# A gallery's buttons at the end of a caption: "… 2019. less", "… at ... more".
_TOGGLE = re.compile(r"(?:(?<=[.!?…])|\s*(?:\.\.\.|…))\s*\b(?:less|more)\b\s*$", re.I)
CAPTION_OPENING_WORDS = 6
# "Photo: Jane Roe / Harbour Trust": a credit is a few words.
CREDIT_MAX_WORDS = 8

_PLAYER_CLASSES = ("video-js", "jwplayer", "jw-player", "mejs-container", "plyr", "modal")
_PLAYER_PREFIXES = ("vjs-", "jw-", "mejs-", "plyr__")
# A player's or dialog's own text is short; an element holding more wraps part of the page
# (a "modal-enabled" wrapper round the whole article).
PLAYER_MAX_WORDS = 150
# A newsletter's or a login's box round its form is short; a container holding more holds
# more than the box.
SIGN_UP_MAX_WORDS = 60
# The page's frame: a class such as "modal-open" on them says a dialog is open, nothing more.
_FRAME = ("html", "body", "main", "article")


def clean_page(tree: Any) -> None:
    """Remove media players, dialogs, hidden dialog content and the cards that pop up over
    a link in running text from the page, in place."""
    doomed = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in _FRAME:
            continue
        if _hover_card(element):
            doomed.append(element)
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
    for box in [_sign_up_box(form) for form in tree.iter("form") if _asks_for_email(form)]:
        if box.getparent() is not None:
            box.drop_tree()


def _asks_for_email(form: Any) -> bool:
    return any(
        field.get("type") == "email"
        or "mail" in " ".join(field.get(a) or "" for a in ("name", "id", "placeholder")).lower()
        for field in form.iter("input")
    )


def _sign_up_box(form: Any) -> Any:
    """The box round a form that asks for an email address ("Get the day's stories in your
    inbox", the form, the small print): the largest of its containers that is short."""
    box = form
    for container in form.iterancestors():
        if container.tag in _FRAME or len(container.text_content().split()) > SIGN_UP_MAX_WORDS:
            break
        box = container
    return box


def _hover_card(element: Any) -> bool:
    """Whether an element is a card shown over the link just before it, in a paragraph: a
    photo and links to other stories ("Jane Roe [photo] Jane Roe | Council votes … MORE").
    Its words are no part of the sentence it stands in."""
    trigger = element.getprevious()
    if (
        element.tag in ("a", "p")
        or trigger is None
        or trigger.tag != "a"
        or (trigger.tail or "").strip()
        or element.find(".//img") is None
        or not any(ancestor.tag == "p" for ancestor in element.iterancestors())
    ):
        return False
    links = element.findall(".//a")
    linked = sum(len(link.text_content().split()) for link in links)
    return len(links) >= 2 and linked >= LINKED * len(element.text_content().split())


def is_file_name(text: str) -> bool:
    """Alt text that names a file or an address rather than what the image shows."""
    text = text.strip()
    if not text:
        return False
    if re.search(r"https?://|www\.\w", text) or _FILE_NAME.search(text):
        return True
    # Words joined by underscores are a file's name without its extension ("Light a
    # Wish_Harbour Group"); so is one "word" made of an identifier: IMG_2041, DSC-0042.
    if re.search(r"[^\W_]_+[^\W_]", text):
        return True
    return " " not in text and bool(re.search(r"[_\d]", text)) and len(text) > 3


def _caption(text: str) -> str:
    """Alt text or a caption as it should be read: said once, without an "Image:" label, a
    credit or a gallery's "more"/"less" buttons; never a file name or page furniture."""
    text = _LABEL.sub("", " ".join(html.unescape(text).split())).strip()
    words = text.split()
    if len(words) >= 2 * CAPTION_OPENING_WORDS:
        # Told twice, said once, in the longer telling: a gallery gives a caption whole, then
        # cut short ("…"); alt text followed by a caption that starts with it is cut short
        # first.
        opening = " ".join(words[:CAPTION_OPENING_WORDS])
        if (again := text.find(opening, len(opening))) > 0:
            first, second = text[:again].rstrip(), text[again:]
            text = first if len(first) >= len(second) else second
    text = _TOGGLE.sub("", _without_credit(text)).strip()
    if (credit := _CAPTION_CREDIT.search(text)) and credit.start() > 0:
        text = text[: credit.start()].rstrip(" ,;-–—|")
    if is_file_name(text) or _PLACEHOLDER.match(text) or _FURNITURE.search(text):
        return ""
    return "" if _CREDIT.match(text) and len(text.split()) <= CREDIT_MAX_WORDS else text


def _similar(a: str, b: str) -> bool:
    a, b = norm(a), norm(b)
    return bool(a) and (a == b or (len(a) > 15 and (a in b or b in a)))


def _is_promo(text: str) -> bool:
    """A call to action ("Sign up for our newsletter"), a "Continue reading" or an
    "Updated at 1:23 p.m." line: short, and never the article's words."""
    words = len(text.split())
    if words > PROMO_MAX_WORDS:
        return _ends_with_a_call(text)
    if _PROMO.match(text) or _READING_TIME.match(text) or (_STAMP.match(text) and words <= 8):
        return True
    # "Sign up for our newsletter …" speaks to the reader; "the company continued to sign up
    # subscribers" is a sentence of the article.
    promotes = len(_PROMO_WORDS.findall(text)) >= 2 and bool(_TO_THE_READER.search(text))
    return promotes or _ends_with_a_call(text)


def _ends_with_a_call(text: str) -> bool:
    last = _SENTENCE_END.split(text.strip())[-1]
    return len(text.split()) <= PROMO_PARAGRAPH_WORDS and bool(_CALL.match(last))


# A news agency's credit line at the end of a story: "(Reporting by Jane Roe; Editing by John
# Doe)", "Additional reporting by …". Each part of the line names a task done by someone; the
# line is a credit, not the story's words. ("Jane Roe contributed to this report." is a
# sentence of the story's own, and stays: a page of ../shared/corpus/readability reads it.)
_WIRE_TASK = re.compile(
    r"^(?:and |with )?(?:additional |further )?(?:reporting|writing|editing|research|"
    r"compiled|translated|translation|graphics?|fact[- ]checking)(?: and \w+)? by\s+\S",
    re.I,
)
WIRE_CREDIT_MAX_WORDS = 60
# Besides names, the words of a credit line: "Reporting by Jane Roe in Paris and John Doe,
# with additional reporting by …" ("the council found …" is a sentence, not a credit).
_CREDIT_WORDS = frozenset(
    "and with by in from additional further reporting writing editing research compiled "
    "translated translation graphic graphics fact checking fact-checking de da del van von "
    "der al bin le la".split()
)


def _is_wire_credit(text: str) -> bool:
    line = text.strip().strip("()[]").strip()
    if not line or len(line.split()) > WIRE_CREDIT_MAX_WORDS:
        return False
    parts = [part.strip() for part in line.rstrip(".").split(";")]
    return all(_WIRE_TASK.match(part) for part in parts) and all(
        word[0].isupper() or word.casefold() in _CREDIT_WORDS
        for part in parts
        for word in re.findall(r"[^\W\d_][\w'’.-]*", part)
    )


def _is_credit(text: str) -> bool:
    words = text.split()
    if _CREDIT.match(text) and len(words) <= CREDIT_MAX_WORDS:
        return True
    if _is_wire_credit(text):
        return True
    return (
        len(words) <= 6 and "/" in text and not re.search(r"[.!?]$", text) and ("://" not in text)
    )


def _tidy_paragraph(piece: Piece, captions: set[str]) -> Piece | None:
    """A paragraph as it should be read: None for a credit or a call to action, a figure
    for a caption (read as one wherever the extractor set it), else without an unrendered
    shortcode or a picture credit at its end."""
    text = _text(piece)
    if _is_credit(text) or _is_promo(text):
        return None
    text = " ".join(_SHORTCODE.sub(" ", text).split())
    bare = _without_credit(text)
    if _is_caption(text, captions) or _is_caption(bare, captions):
        return Piece(Figure(text), piece.links)
    return Piece(Paragraph(bare), piece.links) if bare else None


def _is_caption(text: str, captions: set[str]) -> bool:
    """Whether a paragraph is a caption, or a part of one (a gallery's caption given whole
    and cut short, which the extractor splits in other places)."""
    key = norm(text)
    if key in captions:
        return True
    return len(key.split()) >= CAPTION_PART_WORDS and any(
        f" {key} " in f" {caption} " for caption in captions
    )


def _without_credit(text: str) -> str:
    """Text without the picture credit at its end: "… at dawn. Photo: Jane Roe" or
    "… at dawn. (AP Photo/Jane Roe)"."""
    for pattern in (_TRAILING_CREDIT, _PAREN_CREDIT):
        if credit := pattern.search(text):
            text = text[: credit.start()].rstrip()
    return text


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
    text = block.text.lstrip("[(")  # "[Related: Other story]" is set apart in brackets
    for pattern in (_RELATED, _TAGS):
        match = pattern.match(text)
        if not match:
            continue
        rest = text[match.end() :].strip(" :.…-–—>»")
        if isinstance(block, Paragraph) and len(text.split()) > 12 and piece.links < LINKED:
            # "More than two decades ago, …": a sentence, not a lead-in. A link is a teaser
            # however long its headline ("Also on example.com: <another story's headline>").
            return None
        label, colon, story = text.partition(":")
        if pattern is _RELATED and colon and story.strip() and len(label) <= match.end() + 12:
            # "Related post: Other story" names its one story: a teaser, not the start of
            # a run of them (the heading after it is the article's).
            return "inline"
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
            if not items or (len(items) > 1 and piece.links >= LINKED):
                continue  # nothing left, or every item a link: a list of other stories
            if all(_is_caption(i, captions) for i in items):
                # A caption set as a list item ("a list of 1 item"): read as the caption.
                kept.extend(Piece(Figure(c)) for i in items if (c := _caption(i)))
                continue
            if items != block.items:
                piece = Piece(ListBlock(items, block.ordered), piece.links)
        if isinstance(block, Paragraph):
            tidied = _tidy_paragraph(piece, captions)
            if tidied is None:
                continue
            piece = tidied
        if isinstance(piece.block, Figure):
            caption = _caption(piece.block.caption)
            if not caption or _similar(caption, title):
                continue
            piece = Piece(Figure(caption), 0.0, piece.src)
        if isinstance(block, Heading) and len(text.split()) > HEADING_MAX_WORDS:
            piece = Piece(Paragraph(text), piece.links)
        kept.append(piece)
    kept = _without_company_boilerplate(kept, title)
    return _demote_repeated_headings(_read_once(_captions_once(kept), standfirst))


# A press release ends with the company's standard description ("Ascom is a global solutions
# provider … headquartered in Baar … listed on the SIX Swiss Exchange"): the same paragraph
# under every release, no part of the news. Found by how it opens (the company the headline
# names "is a/an/the …") and what it says (where the company is based, how many it employs,
# where its shares are listed).
_COMPANY_OPENING = re.compile(
    r"^(?:founded in \d{4},\s+)?(?P<name>[^\W\d_][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,4})"
    r"(?:\s*\([^)]{1,40}\))?(?:,\s+[^,]{1,80},)?\s+is\s+(?:a|an|the|one of)\b"
)
_COMPANY_FACTS = re.compile(
    r"\b(?:headquarter(?:s|ed)|head office|based in|founded in|employs|employees|"
    r"subsidiaries|offices in|listed on|stock exchange|nyse|nasdaq|ticker|"
    r"(?:leading|global|world'?s? leading) (?:\w+ )?(?:provider|supplier|manufacturer)|"
    r"solutions provider|for more information)\b",
    re.I,
)
# The description is a paragraph or two at the very end; this many facts mark it.
BOILERPLATE_FACTS = 2
BOILERPLATE_LAST_BLOCKS = 3


def _without_company_boilerplate(found: list[Piece], title: str) -> list[Piece]:
    """Without the company description that closes a press release, when it stands without
    a heading. Under its own heading ("About Ascom") the page presents it as a section of
    the release, and it is read: measured on the extraction benchmark, annotators keep it
    there and leave it out when it stands bare."""
    named = {norm(w) for w in title.split()}
    last = len(found) - BOILERPLATE_LAST_BLOCKS
    for index in range(max(0, last), len(found)):
        block = found[index].block
        if not isinstance(block, Paragraph) or found[index].ghost:
            continue
        opening = _COMPANY_OPENING.match(block.text)
        if opening is None or norm(opening.group("name").split()[0]) not in named:
            continue
        before = found[index - 1].block if index else None
        if isinstance(before, Heading):
            return found
        rest = found[index:]
        if not all(isinstance(p.block, Paragraph) for p in rest):
            return found
        text = " ".join(_text(p) for p in rest)
        if len(set(m.casefold() for m in _COMPANY_FACTS.findall(text))) >= BOILERPLATE_FACTS:
            return found[:index]
        return found
    return found


def _captions_once(found: list[Piece]) -> list[Piece]:
    """An image's alt text beside a caption or paragraph that says it (or more): not read.

    Two images with the same text are left to ``_read_once``, which keeps the first. A short
    paragraph right under an image that says just what its alt text says is the image's
    caption: the image is read with it, as a caption, and the paragraph is not.
    """
    found = _alt_captions(found)
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


def _alt_captions(found: list[Piece]) -> list[Piece]:
    """Without the short paragraphs that repeat the alt text of the image above them."""
    captions: set[int] = set()
    for index, piece in enumerate(found):
        if not isinstance(piece.block, Figure) or not piece.block.caption:
            continue
        # A caption stands under its image; a paragraph before it is the article's (a
        # standfirst the page also gives as the image's alt text).
        under = found[index + 1].block if index + 1 < len(found) else None
        if (
            isinstance(under, Paragraph)
            and len(under.text.split()) <= CAPTION_MAX_WORDS
            and norm(under.text) == norm(piece.block.caption)
        ):
            captions.add(index + 1)
    return [piece for index, piece in enumerate(found) if index not in captions]


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
            # Two posts by one account are signed alike: each signature is read with its post.
            signature = isinstance(block, Paragraph) and post_signature(block.text) is not None
            if not signature and seen(block.text, REPEAT_MIN_WORDS):
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
