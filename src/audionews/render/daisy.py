"""A DAISY 2.02 "full text, full audio" talking book of an episode.

The folder holds (DAISY 2.02 Specification, sections 2.1-2.5):

- ``ncc.html``: the Navigation Control Centre, XHTML 1.0 with the ``dc:``/``ncc:`` metadata of
  the specification's Appendix 2, an ``h1 class="title"`` first, then one ``h2``/``h3``… per
  chapter, each linking to the chapter's first phrase in its SMIL file;
- ``content.html``: the text, XHTML 1.0, an ``id`` on every sentence (see ``booktext``);
- ``c01.smil``, ``c02.smil``…: SMIL 1.0, one per chapter, one ``par`` per sentence pairing
  ``<text src="content.html#s12">`` with its audio: the sentence's own clip (its WebVTT cue to
  the millisecond) followed by the silence after it as a second clip in a ``seq``, so the
  clips tile the chapter and a player keeps the episode's pauses;
- ``master.smil``: every chapter's SMIL in reading order;
- the audio: the episode's own constant-bit-rate MP3, unchanged, as ``audio.mp3`` (no new
  encoding, so clip times are the Timeline's own); an episode of an hour or more is cut into
  ``audio01.mp3``… at chapter starts, each under an hour, re-encoded at the episode's rate;
- ``default.css``.

File names are ours, short and lower-case ASCII (consumer players refuse names over 64
characters), never from the article. Everything is written into a temporary folder beside
the final one and swapped into place only when complete, and a zip of the book beside it.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from lxml.etree import _Element as Node  # lxml has no type information: Any to mypy

from audionews import __version__
from audionews.audio.encode import encode_mp3
from audionews.errors import OutputError
from audionews.files import Target, atomic_files
from audionews.outputs.tags import mp3_info
from audionews.render.booktext import (
    STYLE,
    Flavour,
    child,
    element,
    set_language,
    write_chapter,
)
from audionews.render.document import EpisodeDocument
from audionews.render.talkingbook import (
    HOUR_MS,
    AudioPart,
    ChapterPlan,
    Phrase,
    audio_duration_ms,
    document_language,
    hms,
    one_line,
    part_of,
    plan_audio_parts,
    plan_book,
    seconds,
)

XHTML_DOCTYPE = (
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
    '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'
)
SMIL_DOCTYPE = (
    '<!DOCTYPE smil PUBLIC "-//W3C//DTD SMIL 1.0//EN" "http://www.w3.org/TR/REC-smil/SMIL10.dtd">'
)
NCC = "ncc.html"
CONTENT = "content.html"
STYLESHEET = "default.css"
MASTER = "master.smil"


@dataclass(frozen=True)
class DaisyBook:
    """What ``write_daisy`` wrote.

    folder: the book's folder; zip: the same files zipped (at the zip's root).
    files: the book's file names, ``ncc.html`` first.
    audio: the audio files among them, in playing order.
    duration_ms: the total playing time (``ncc:totalTime``, to the millisecond).
    """

    folder: Path
    zip: Path
    files: tuple[str, ...]
    audio: tuple[str, ...]
    duration_ms: int


def smil_name(index: int) -> str:
    """The SMIL file of the chapter at ``index`` (from 0): c01.smil, c02.smil…"""
    return f"c{index + 1:02d}.smil"


def write_daisy(
    doc: EpisodeDocument,
    mp3: Path,
    folder: Path,
    *,
    zip_path: Path | None = None,
    produced: dt.date | None = None,
    max_audio_ms: int = HOUR_MS,
) -> DaisyBook:
    """Write ``doc`` with its audio ``mp3`` as a DAISY 2.02 book in ``folder``, and zip it.

    zip_path: where the zip goes; by default beside the folder, its name plus ".zip"
        (``S.daisy`` -> ``S.daisy.zip``).
    produced: the production date (``ncc:producedDate``; ``dc:date`` when the article has
        none); today by default.
    max_audio_ms: the longest an audio file may be; longer episodes are cut into parts.

    EpisodeError when the document does not fit its audio; OutputError when the folder cannot
    be written. A failure leaves no partial book and an earlier book of the same name intact.
    """
    folder = Path(folder)
    zip_path = Path(zip_path) if zip_path else folder.with_name(folder.name + ".zip")
    targets = {"folder": Target(folder, folder=True), "zip": Target(zip_path)}
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_files(targets) as partial:
            book = fill_daisy(
                doc,
                mp3,
                partial["folder"],
                partial["zip"],
                produced=produced,
                max_audio_ms=max_audio_ms,
            )
    except OSError as exc:
        raise OutputError(f"cannot write {folder}: {exc.strerror or exc}") from None
    return DaisyBook(folder, zip_path, book.files, book.audio, book.duration_ms)


def fill_daisy(
    doc: EpisodeDocument,
    mp3: Path,
    folder: Path,
    zip_path: Path,
    *,
    produced: dt.date | None = None,
    max_audio_ms: int = HOUR_MS,
) -> DaisyBook:
    """``write_daisy`` into an empty ``folder`` and into ``zip_path`` as they are (a build's
    temporary names: the build moves them into place with its other files); the document is
    checked against its audio before anything is written. OSError is left to the caller."""
    produced = produced or dt.datetime.now(dt.UTC).date()
    audio_ms = audio_duration_ms(mp3)
    plans = plan_book(doc, audio_ms, mp3)
    parts = plan_audio_parts(plans, max_audio_ms)
    smils = [smil_name(index) for index in range(len(plans))]
    files = [NCC, CONTENT, STYLESHEET, *smils, MASTER, *(part.name for part in parts)]
    total_ms = sum(plan.duration_ms for plan in plans)

    _write_audio(mp3, parts, folder)
    _write_xml(folder / CONTENT, _content(doc, plans), XHTML_DOCTYPE)
    (folder / STYLESHEET).write_text(STYLE, encoding="utf-8")
    elapsed = 0
    for index, plan in enumerate(plans):
        _write_xml(folder / smils[index], _chapter_smil(doc, plan, parts, elapsed), SMIL_DOCTYPE)
        elapsed += plan.duration_ms
    _write_xml(folder / MASTER, _master(doc, plans, smils, total_ms), SMIL_DOCTYPE)
    _write_xml(folder / NCC, _ncc(doc, plans, smils, len(files), total_ms, produced), XHTML_DOCTYPE)
    _zip(folder, files, zip_path)
    return DaisyBook(folder, zip_path, tuple(files), tuple(p.name for p in parts), total_ms)


def _write_audio(mp3: Path, parts: Sequence[AudioPart], staging: Path) -> None:
    if len(parts) == 1:
        shutil.copyfile(mp3, staging / parts[0].name)
        return
    # Only an episode of an hour or more comes here: decode once, cut at exact samples, and
    # encode each part at the episode's own sample rate and constant bit rate.
    from audionews.outputs.clips import decode

    info = mp3_info(mp3)
    samples = decode(mp3, info.sample_rate)
    bitrate = round(info.bitrate / 1000) if info.bitrate else 96
    for part in parts:
        first = round(part.start_ms * info.sample_rate / 1000)
        last = round(part.end_ms * info.sample_rate / 1000)
        encode_mp3(
            samples[first:last], info.sample_rate, staging / part.name, info.sample_rate, bitrate
        )


def _write_xml(path: Path, root: Node, doctype: str) -> None:
    path.write_bytes(
        etree.tostring(
            root, xml_declaration=True, encoding="utf-8", doctype=doctype, pretty_print=True
        )
    )


def _zip(staging: Path, files: Sequence[str], target: Path) -> None:
    with zipfile.ZipFile(target, "w") as archive:
        for name in files:
            # MP3 is compressed already; deflating it costs time for nothing.
            method = zipfile.ZIP_STORED if name.endswith(".mp3") else zipfile.ZIP_DEFLATED
            archive.write(staging / name, name, compress_type=method)


def _meta(head: Node, name: str, content: str, scheme: str | None = None) -> None:
    attributes = {"name": name, "content": one_line(content)}
    if scheme:
        attributes["scheme"] = scheme
    child(head, "meta", attributes)


def _xhtml_root(doc: EpisodeDocument, title: str) -> tuple[Node, Node]:
    root = element("html")
    set_language(root, document_language(doc))
    head = child(root, "head")
    child(head, "meta", {"http-equiv": "Content-type", "content": "text/html; charset=utf-8"})
    child(head, "title", None, one_line(title))
    return root, head


def _content(doc: EpisodeDocument, plans: Sequence[ChapterPlan]) -> Node:
    root, head = _xhtml_root(doc, doc.title)
    _meta(head, "dc:title", doc.title)
    _meta(head, "dc:identifier", doc.identifier)
    _meta(head, "dc:format", "Daisy 2.02")
    _meta(head, "ncc:generator", f"audionews {__version__}")
    child(head, "link", {"rel": "stylesheet", "type": "text/css", "href": STYLESHEET})
    body = child(root, "body")
    language = document_language(doc)
    for plan in plans:
        write_chapter(body, plan, Flavour.DAISY, language)
    return root


def _ncc(
    doc: EpisodeDocument,
    plans: Sequence[ChapterPlan],
    smils: Sequence[str],
    file_count: int,
    total_ms: int,
    produced: dt.date,
) -> Node:
    """The NCC: Appendix 2's mandatory set (dc:title, dc:creator, dc:date, dc:format,
    dc:identifier, dc:language, dc:publisher, ncc:charset, ncc:pageFront, ncc:pageNormal,
    ncc:pageSpecial, ncc:tocItems, ncc:totalTime), then the recommended ones we can fill."""
    root, head = _xhtml_root(doc, doc.title)
    show = doc.show or "audionews"
    _meta(head, "dc:title", doc.title)
    _meta(head, "dc:creator", doc.byline or show)
    # dc:date is the book's publication date: a briefing is published with its article.
    _meta(head, "dc:date", doc.date or produced.isoformat(), "yyyy-mm-dd")
    _meta(head, "dc:format", "Daisy 2.02")
    _meta(head, "dc:identifier", doc.identifier)
    _meta(head, "dc:language", document_language(doc), "ISO 639")
    _meta(head, "dc:publisher", show)
    if doc.description:
        _meta(head, "dc:description", doc.description)
    _meta(head, "ncc:charset", "utf-8")
    _meta(head, "ncc:depth", str(max(plan.level for plan in plans)))
    _meta(head, "ncc:files", str(file_count))
    _meta(head, "ncc:footnotes", "0")
    _meta(head, "ncc:generator", f"audionews {__version__}")
    _meta(head, "ncc:maxPageNormal", "0")
    _meta(head, "ncc:multimediaType", "audioFullText")
    _meta(head, "ncc:narrator", "synthetic speech (eSpeak NG)")
    _meta(head, "ncc:pageFront", "0")
    _meta(head, "ncc:pageNormal", "0")
    _meta(head, "ncc:pageSpecial", "0")
    _meta(head, "ncc:prodNotes", "0")
    _meta(head, "ncc:producedDate", produced.isoformat(), "yyyy-mm-dd")
    _meta(head, "ncc:producer", show)
    _meta(head, "ncc:setInfo", "1 of 1")
    _meta(head, "ncc:sidebars", "0")
    if doc.date:
        _meta(head, "ncc:sourceDate", doc.date, "yyyy-mm-dd")
    _meta(head, "ncc:tocItems", str(len(plans)))
    _meta(head, "ncc:totalTime", hms(total_ms), "hh:mm:ss")
    body = child(root, "body")
    for index, plan in enumerate(plans):
        first = plan.phrases[0].sentence.id
        attributes = {"id": f"nav-{plan.chapter.id}"}
        if index == 0:
            attributes["class"] = "title"
        heading = child(body, f"h{plan.level}", attributes)
        label = doc.title if index == 0 else plan.chapter.title
        child(heading, "a", {"href": f"{smils[index]}#txt-{first}"}, one_line(label))
    return root


def _smil_root(doc: EpisodeDocument, title: str | None) -> tuple[Node, Node]:
    root = etree.Element("smil")
    head = etree.SubElement(root, "head")
    for name, content in (
        ("dc:format", "Daisy 2.02"),
        ("dc:title", doc.title),
        ("dc:identifier", doc.identifier),
        ("ncc:generator", f"audionews {__version__}"),
    ):
        etree.SubElement(head, "meta", name=name, content=one_line(content))
    if title is not None:
        etree.SubElement(head, "meta", name="title", content=one_line(title))
    return root, head


def _layout(head: Node) -> None:
    layout = etree.SubElement(head, "layout")
    etree.SubElement(layout, "region", id="txtView")


def _chapter_smil(
    doc: EpisodeDocument, plan: ChapterPlan, parts: Sequence[AudioPart], elapsed_ms: int
) -> Node:
    root, head = _smil_root(doc, plan.chapter.title)
    etree.SubElement(head, "meta", name="ncc:totalElapsedTime", content=hms(elapsed_ms))
    etree.SubElement(head, "meta", name="ncc:timeInThisSmil", content=hms(plan.duration_ms))
    _layout(head)
    body = etree.SubElement(root, "body")
    seq = etree.SubElement(body, "seq", dur=f"{seconds(plan.duration_ms)}s")
    for phrase in plan.phrases:
        _par(seq, phrase, parts)
    return root


def _par(seq: Node, phrase: Phrase, parts: Sequence[AudioPart]) -> None:
    sid = phrase.sentence.id
    par = etree.SubElement(seq, "par", endsync="last", id=f"par-{sid}")
    etree.SubElement(par, "text", src=f"{CONTENT}#{sid}", id=f"txt-{sid}")
    clips = [("lead", phrase.lead), ("aud", phrase.speech), ("gap", phrase.pause)]
    present = [(prefix, clip) for prefix, clip in clips if clip is not None]
    holder = par if len(present) == 1 else etree.SubElement(par, "seq")
    for prefix, clip in present:
        part = part_of(parts, clip)
        etree.SubElement(
            holder,
            "audio",
            src=part.name,
            id=f"{prefix}-{sid}",
            **{
                "clip-begin": f"npt={seconds(clip.start_ms - part.start_ms)}s",
                "clip-end": f"npt={seconds(clip.end_ms - part.start_ms)}s",
            },
        )


def _master(
    doc: EpisodeDocument, plans: Sequence[ChapterPlan], smils: Sequence[str], total_ms: int
) -> Node:
    root, head = _smil_root(doc, None)
    etree.SubElement(head, "meta", name="ncc:timeInThisSmil", content=hms(total_ms))
    _layout(head)
    body = etree.SubElement(root, "body")
    for plan, name in zip(plans, smils, strict=True):
        etree.SubElement(
            body, "ref", src=name, title=one_line(plan.chapter.title), id=f"ref-{plan.chapter.id}"
        )
    return root
