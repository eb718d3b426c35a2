"""An EPUB 3 talking book of an episode: the text with Media Overlays (EPUB 3.3, EPUB Media
Overlays 3.3) and accessibility metadata (EPUB Accessibility 1.1, schema.org).

- One XHTML content document per chapter, its text from ``booktext`` (an id on every
  sentence), and one SMIL media overlay per content document, one ``par`` per sentence whose
  ``audio`` clip is the sentence's Timeline span, the same as its WebVTT cue to the
  millisecond. (A ``par`` holds one audio clip in Media Overlays, so the pauses between
  sentences are not clips here; reading systems go from one clip to the next.)
- ``media:duration`` for each overlay (the sum of its clips) and for the book (their sum),
  ``media:active-class`` with a style that shows the phrase being read by more than colour.
- The navigation document lists the chapters, nested by level; landmarks mark the start.
- Discovery metadata: access modes textual and auditory, each sufficient alone, the features
  synchronizedAudioText, tableOfContents, readingOrder and structuralNavigation, no hazards,
  and a summary.

The audio is the episode's MP3, unchanged. The book is written to a temporary name and renamed
into place only when complete.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from lxml.etree import _Element as Node  # lxml has no type information: Any to mypy

from audionews.errors import OutputError
from audionews.files import atomic_files
from audionews.render.booktext import (
    STYLE,
    XHTML,
    XML_LANG,
    Flavour,
    child,
    set_language,
    write_chapter,
)
from audionews.render.document import EpisodeDocument
from audionews.render.talkingbook import (
    ChapterPlan,
    audio_duration_ms,
    clock,
    document_language,
    one_line,
    plan_book,
)

OPF = "http://www.idpf.org/2007/opf"
DC = "http://purl.org/dc/elements/1.1/"
OPS = "http://www.idpf.org/2007/ops"
SMIL = "http://www.w3.org/ns/SMIL"
CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"
ACTIVE_CLASS = "-epub-media-overlay-active"
AUDIO = "audio.mp3"
_W3CDTF_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_CONTENTS = {"en": "Contents", "fr": "Sommaire", "es": "Índice", "pt": "Índice"}

EPUB_STYLE = (
    STYLE
    + f"""\
.{ACTIVE_CLASS} {{ background-color: #ffff80; color: #000000;
  outline: 2px solid #000000; text-decoration: underline; }}
nav ol {{ list-style: none; }}
"""
)


@dataclass(frozen=True)
class EpubBook:
    """What ``write_epub`` wrote: the file, its playing time (the sum of every overlay's
    clips) and each chapter's overlay duration, in milliseconds."""

    path: Path
    duration_ms: int
    overlay_ms: tuple[int, ...]


def chapter_name(index: int) -> str:
    """The content document of the chapter at ``index`` (from 0): c01.xhtml, c02.xhtml…"""
    return f"c{index + 1:02d}.xhtml"


def write_epub(
    doc: EpisodeDocument,
    mp3: Path,
    path: Path,
    *,
    produced: dt.datetime | None = None,
) -> EpubBook:
    """Write ``doc`` with its audio ``mp3`` as an EPUB 3 book with Media Overlays at ``path``.

    produced: the book's ``dcterms:modified`` time; now (UTC) by default.

    EpisodeError when the document does not fit its audio; OutputError when ``path`` cannot be
    written. A failure leaves no partial file and an earlier book at ``path`` intact.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_files({"epub": path}) as partial:
            book = fill_epub(doc, mp3, partial["epub"], produced=produced)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return EpubBook(path, book.duration_ms, book.overlay_ms)


def fill_epub(
    doc: EpisodeDocument, mp3: Path, target: Path, *, produced: dt.datetime | None = None
) -> EpubBook:
    """``write_epub`` into ``target`` as it is (a build's temporary name: the build moves it
    into place with its other files); OSError is left to the caller."""
    produced = (produced or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    plans = plan_book(doc, audio_duration_ms(mp3), mp3)
    overlay_ms = tuple(sum(p.speech.duration_ms for p in plan.phrases) for plan in plans)
    files: list[tuple[str, bytes]] = [
        ("META-INF/container.xml", _xml(_container())),
        ("EPUB/package.opf", _xml(_package(doc, plans, overlay_ms, produced))),
        ("EPUB/nav.xhtml", _xml(_nav(doc, plans), "<!DOCTYPE html>")),
        ("EPUB/style.css", EPUB_STYLE.encode("utf-8")),
    ]
    language = document_language(doc)
    for index, plan in enumerate(plans):
        files.append(
            (f"EPUB/{chapter_name(index)}", _xml(_chapter(plan, language), "<!DOCTYPE html>"))
        )
        files.append((f"EPUB/{_overlay_name(index)}", _xml(_overlay(plan, index))))
    with zipfile.ZipFile(target, "w") as archive:
        # OCF: the mimetype file first, stored, so the type can be read at a fixed offset;
        # MP3 is stored too (deflating it gains nothing).
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip", zipfile.ZIP_STORED)
        for name, data in files:
            archive.writestr(_info(name), data, zipfile.ZIP_DEFLATED)
        with open(mp3, "rb") as source, archive.open(_info(f"EPUB/{AUDIO}"), "w") as sink:
            shutil.copyfileobj(source, sink, 1 << 20)
    return EpubBook(target, sum(overlay_ms), overlay_ms)


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED if name.endswith(".mp3") else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _overlay_name(index: int) -> str:
    return f"c{index + 1:02d}.smil"


def _xml(root: Node, doctype: str | None = None) -> bytes:
    return bytes(
        etree.tostring(
            root, xml_declaration=True, encoding="utf-8", doctype=doctype, pretty_print=True
        )
    )


def _container() -> Node:
    root = etree.Element(f"{{{CONTAINER}}}container", nsmap={None: CONTAINER}, version="1.0")
    rootfiles = etree.SubElement(root, f"{{{CONTAINER}}}rootfiles")
    etree.SubElement(
        rootfiles,
        f"{{{CONTAINER}}}rootfile",
        {"full-path": "EPUB/package.opf", "media-type": "application/oebps-package+xml"},
    )
    return root


def _summary(doc: EpisodeDocument) -> str:
    return (
        "The full text of the article and the full audio of its spoken briefing, synchronised "
        "sentence by sentence (media overlays). Headings follow the article's sections and are "
        "listed in the table of contents. Phrases the narrator adds, such as section and list "
        "announcements, appear in the text marked as announcements. The audio is synthetic "
        "speech."
    )


def _package(
    doc: EpisodeDocument,
    plans: Sequence[ChapterPlan],
    overlay_ms: Sequence[int],
    produced: dt.datetime,
) -> Node:
    language = document_language(doc)
    root = etree.Element(
        f"{{{OPF}}}package",
        nsmap={None: OPF},
        version="3.0",
        attrib={"unique-identifier": "pub-id"},
    )
    root.set(XML_LANG, language)
    metadata = etree.SubElement(root, f"{{{OPF}}}metadata", nsmap={"dc": DC})

    def dc(name: str, text: str, **attributes: str) -> None:
        node = etree.SubElement(metadata, f"{{{DC}}}{name}", attributes)
        node.text = one_line(text)

    def meta(prop: str, text: str, **attributes: str) -> None:
        node = etree.SubElement(metadata, f"{{{OPF}}}meta", {"property": prop, **attributes})
        node.text = one_line(text)

    dc("identifier", doc.identifier, id="pub-id")
    dc("title", doc.title)
    dc("language", language)
    if doc.byline:
        dc("creator", doc.byline)
    dc("publisher", doc.show or "audionews")
    if doc.date and _W3CDTF_DATE.fullmatch(doc.date):
        dc("date", doc.date)
    if doc.description:
        dc("description", doc.description)
    meta("dcterms:modified", produced.strftime("%Y-%m-%dT%H:%M:%SZ"))
    for index, duration in enumerate(overlay_ms):
        meta("media:duration", clock(duration), refines=f"#mo-{index + 1:02d}")
    meta("media:duration", clock(sum(overlay_ms)))
    meta("media:active-class", ACTIVE_CLASS)
    for mode in ("textual", "auditory"):
        meta("schema:accessMode", mode)
    for sufficient in ("textual", "auditory", "textual,auditory"):
        meta("schema:accessModeSufficient", sufficient)
    for feature in (
        "synchronizedAudioText",
        "tableOfContents",
        "readingOrder",
        "structuralNavigation",
    ):
        meta("schema:accessibilityFeature", feature)
    meta("schema:accessibilityHazard", "none")
    # The summary is written in English whatever the article's language: say so.
    meta("schema:accessibilitySummary", _summary(doc), **{XML_LANG: "en"})

    manifest = etree.SubElement(root, f"{{{OPF}}}manifest")

    def item(identifier: str, href: str, media_type: str, **extra: str) -> None:
        etree.SubElement(
            manifest,
            f"{{{OPF}}}item",
            {"id": identifier, "href": href, "media-type": media_type, **extra},
        )

    item("nav", "nav.xhtml", "application/xhtml+xml", properties="nav")
    item("css", "style.css", "text/css")
    item("audio", AUDIO, "audio/mpeg")
    for index in range(len(plans)):
        number = f"{index + 1:02d}"
        item(
            f"c-{number}",
            chapter_name(index),
            "application/xhtml+xml",
            **{"media-overlay": f"mo-{number}"},
        )
        item(f"mo-{number}", _overlay_name(index), "application/smil+xml")
    spine = etree.SubElement(root, f"{{{OPF}}}spine")
    for index in range(len(plans)):
        etree.SubElement(spine, f"{{{OPF}}}itemref", idref=f"c-{index + 1:02d}")
    return root


def _html(title: str, language: str) -> tuple[Node, Node]:
    root = etree.Element(f"{{{XHTML}}}html", nsmap={None: XHTML, "epub": OPS})
    set_language(root, language)
    head = child(root, "head")
    child(head, "meta", {"charset": "utf-8"})
    child(head, "title", None, one_line(title) or "-")
    child(head, "link", {"rel": "stylesheet", "type": "text/css", "href": "style.css"})
    return root, child(root, "body")


def _chapter(plan: ChapterPlan, language: str) -> Node:
    root, body = _html(plan.chapter.title, language)
    write_chapter(body, plan, Flavour.EPUB, language)
    return root


def _heading_target(plan: ChapterPlan) -> str:
    blocks = plan.chapter.blocks
    if blocks and blocks[0].kind.value == "announcement" and blocks[0].sentences:
        return blocks[0].sentences[0].id
    return f"head-{plan.chapter.id}"


def _nav(doc: EpisodeDocument, plans: Sequence[ChapterPlan]) -> Node:
    language = document_language(doc)
    root, body = _html(doc.title, language)
    nav = child(body, "nav", {"id": "toc", "role": "doc-toc"})
    nav.set(f"{{{OPS}}}type", "toc")
    child(nav, "h1", None, _CONTENTS.get(language.split("-")[0].lower(), "Contents"))
    top = child(nav, "ol")
    # Levels are hierarchical (plan_book): a level one deeper than the last opens an ol in
    # the last item; a shallower one returns to its own list.
    stack = [(1, top)]
    last_item = None
    for index, plan in enumerate(plans):
        while stack[-1][0] > plan.level:
            stack.pop()
        if stack[-1][0] < plan.level and last_item is not None:
            stack.append((plan.level, child(last_item, "ol")))
        label = doc.title if index == 0 else plan.chapter.title
        last_item = child(stack[-1][1], "li")
        child(last_item, "a", {"href": f"{chapter_name(index)}#{_heading_target(plan)}"}, label)
    landmarks = child(body, "nav", {"id": "landmarks", "hidden": "hidden"})
    landmarks.set(f"{{{OPS}}}type", "landmarks")
    listing = child(landmarks, "ol")
    start = child(listing, "li")
    link = child(start, "a", {"href": chapter_name(0)}, one_line(doc.title))
    link.set(f"{{{OPS}}}type", "bodymatter")
    return root


def _overlay(plan: ChapterPlan, index: int) -> Node:
    root = etree.Element(f"{{{SMIL}}}smil", nsmap={None: SMIL, "epub": OPS}, version="3.0")
    body = etree.SubElement(root, f"{{{SMIL}}}body")
    body.set(f"{{{OPS}}}textref", chapter_name(index))
    for phrase in plan.phrases:
        sid = phrase.sentence.id
        par = etree.SubElement(body, f"{{{SMIL}}}par", id=f"par-{sid}")
        etree.SubElement(par, f"{{{SMIL}}}text", src=f"{chapter_name(index)}#{sid}")
        etree.SubElement(
            par,
            f"{{{SMIL}}}audio",
            src=AUDIO,
            clipBegin=clock(phrase.speech.start_ms),
            clipEnd=clock(phrase.speech.end_ms),
        )
    return root
