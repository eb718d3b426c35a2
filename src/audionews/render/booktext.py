"""The text of a talking book: one XHTML element per block, an id on every sentence.

The text is what the listener hears, sentence for sentence, so a reader following on a braille
display or a screen never sees words the audio skips nor misses words it says. The narrator's
own words (the title, "By …", "Section 2 of 5: …", "A list of 3 items.", "End of list.") stay
in the text, each marked ``class="announcement"``: a talking-book player highlights every
phrase it plays, and a phrase with no text would leave the reader's place blank. A section's
announcement is the section's heading, its "Section 2 of 5:" in a span of that class, so the
heading reads exactly as it sounds and navigation by heading lands on it.

The same builder writes XHTML 1.0 for DAISY 2.02 and XHTML5 (the EPUB 3 serialisation).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from lxml import etree
from lxml.etree import _Element as Node  # lxml has no type information: Any to mypy

from audionews.render.document import BlockKind, TimedBlock, TimedSentence
from audionews.render.talkingbook import ChapterPlan, language_tag, xml_text

XHTML = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ANNOUNCEMENT = "announcement"


class Flavour(enum.Enum):
    """Which XHTML: DAISY 2.02 content documents are XHTML 1.0, EPUB 3's are XHTML5."""

    DAISY = "xhtml1"
    EPUB = "xhtml5"


def element(tag: str, attributes: dict[str, str] | None = None, text: str | None = None) -> Node:
    """An XHTML element (``etree.Element`` in the XHTML namespace) with safe text."""
    made = etree.Element(f"{{{XHTML}}}{tag}", nsmap={None: XHTML})
    for name, value in (attributes or {}).items():
        made.set(name, xml_text(value))
    if text:
        made.text = xml_text(text)
    return made


def child(
    parent: Node, tag: str, attributes: dict[str, str] | None = None, text: str | None = None
) -> Node:
    """A new last child of ``parent`` (in its namespace, declared once on the root)."""
    made = etree.SubElement(parent, f"{{{XHTML}}}{tag}")
    for name, value in (attributes or {}).items():
        made.set(name, xml_text(value))
    if text:
        made.text = xml_text(text)
    return made


def set_language(node: Node, tag: str | None) -> None:
    """``lang`` and ``xml:lang`` together, as both XHTML 1.0 (Appendix C) and EPUB expect."""
    usable = language_tag(tag)
    if usable:
        node.set("lang", usable)
        node.set(XML_LANG, usable)


def write_chapter(
    parent: Node, plan: ChapterPlan, flavour: Flavour, document_language: str
) -> Node:
    """The chapter, appended to ``parent`` as a ``section`` (EPUB) or ``div class="section"``
    (DAISY), its heading first."""
    chapter = plan.chapter
    if flavour is Flavour.EPUB:
        container = child(parent, "section", {"id": chapter.id})
    else:
        container = child(parent, "div", {"id": chapter.id, "class": "section"})
    writer = _Writer(document_language)
    blocks = list(chapter.blocks)
    heading_sentence = _heading_sentence(blocks)
    heading = child(container, f"h{plan.level}")
    if heading_sentence is None:
        heading.set("id", f"head-{chapter.id}")
        heading.text = xml_text(chapter.title)
    else:
        writer.heading(heading, heading_sentence, chapter.title)
        # The heading said the opening announcement; the block keeps what follows it.
        rest = blocks[0].sentences[1:]
        blocks = [TimedBlock(BlockKind.ANNOUNCEMENT, rest)] if rest else []
        blocks += chapter.blocks[1:]
    for block in blocks:
        writer.block(container, block, flavour)
    return container


def _heading_sentence(blocks: list[TimedBlock]) -> TimedSentence | None:
    """The announcement that opens the chapter (its title, or "Section 2 of 5: …")."""
    if blocks and blocks[0].kind is BlockKind.ANNOUNCEMENT and blocks[0].sentences:
        return blocks[0].sentences[0]
    return None


def split_announcement(spoken: str, title: str) -> tuple[str, str]:
    """("Section 2 of 5: ", "Who Paid.") when ``spoken`` ends with ``title`` (give or take the
    closing punctuation the script adds); ("", spoken) when it does not."""
    core = title.strip().rstrip(".!?:;").strip()
    if not core:
        return "", spoken
    body = spoken.rstrip()
    stripped = body.rstrip(".!?:;")
    if stripped.endswith(core):
        cut = len(stripped) - len(core)
        return spoken[:cut], spoken[cut:]
    return "", spoken


class _Writer:
    def __init__(self, document_language: str) -> None:
        self.document_language = document_language

    def _sentence_attributes(self, node: Node, sentence: TimedSentence) -> None:
        node.set("id", sentence.id)
        if sentence.language and language_tag(sentence.language) != self.document_language:
            set_language(node, sentence.language)

    def heading(self, node: Node, sentence: TimedSentence, title: str) -> None:
        self._sentence_attributes(node, sentence)
        prefix, rest = split_announcement(sentence.text, title)
        if prefix:
            child(node, "span", {"class": ANNOUNCEMENT}, prefix).tail = xml_text(rest)
        else:
            node.text = xml_text(rest)

    def announcement(self, parent: Node, sentence: TimedSentence) -> None:
        node = child(parent, "p", {"class": ANNOUNCEMENT}, sentence.text)
        self._sentence_attributes(node, sentence)

    def run(self, parent: Node, sentences: Sequence[TimedSentence]) -> None:
        """Sentences inline, one element each, a space between them."""
        last = None
        for sentence in sentences:
            if last is not None:
                last.tail = " "
            if sentence.role == "quote":
                node = child(parent, "q", {"class": "quote"}, sentence.text)
            elif sentence.role == "announcement":
                node = child(parent, "span", {"class": ANNOUNCEMENT}, sentence.text)
            else:
                node = child(parent, "span", None, sentence.text)
            self._sentence_attributes(node, sentence)
            last = node

    def block(self, container: Node, block: TimedBlock, flavour: Flavour) -> None:
        kind = block.kind
        if kind is BlockKind.ANNOUNCEMENT:
            for sentence in block.sentences:
                self.announcement(container, sentence)
        elif kind is BlockKind.PARAGRAPH:
            if block.sentences:
                self.run(child(container, "p"), block.sentences)
        elif kind is BlockKind.QUOTATION:
            if block.sentences:
                quotation = child(container, "blockquote", {"class": "quotation"})
                self.run(child(quotation, "p"), block.sentences)
        elif kind is BlockKind.FIGURE:
            if block.sentences:
                tag = "figure" if flavour is Flavour.EPUB else "div"
                figure = child(container, tag, {"class": "figure"})
                self.run(child(figure, "p"), block.sentences)
        else:  # a list, or a table read row by row
            group = child(
                container, "div", {"class": "list" if kind is BlockKind.LIST else "table"}
            )
            for sentence in block.sentences:
                self.announcement(group, sentence)
            items = [item for item in block.items if item.sentences]
            if items:
                tag = "ol" if (block.ordered or kind is BlockKind.TABLE) else "ul"
                listing = child(group, tag, {"class": "rows"} if kind is BlockKind.TABLE else None)
                for item in items:
                    self.run(child(listing, "li"), item.sentences)
            for sentence in block.end:
                self.announcement(group, sentence)


STYLE = """\
body { font-family: sans-serif; line-height: 1.5; margin: 1em; }
.announcement { font-style: italic; }
h1 .announcement, h2 .announcement, h3 .announcement,
h4 .announcement, h5 .announcement, h6 .announcement { font-weight: normal; }
blockquote.quotation { margin-left: 2em; }
"""
