"""A checker for DAISY 2.02 books, written from the DAISY 2.02 Specification (2001) and its
Appendix 2 metadata tables, independent of audionews's writer (it reads the files with lxml
and the audio with ffprobe).

``check_book(folder)`` returns every problem found, one line each; an empty list is a pass.
Rules checked:

- ncc.html (lower case) exists; ncc and content documents are well-formed XHTML 1.0 (public
  identifier of XHTML 1.0 Transitional or Strict), SMIL files well-formed SMIL 1.0.
- NCC metadata: mandatory exactly once (dc:title, dc:format = "Daisy 2.02", dc:identifier,
  dc:date yyyy-mm-dd, dc:publisher, ncc:charset, ncc:pageFront, ncc:pageNormal,
  ncc:pageSpecial, ncc:tocItems, ncc:totalTime), mandatory one or more (dc:creator,
  dc:language), optional ones at most once, ncc:multimediaType one of the six types, the
  <title> present.
- NCC body: first element ``h1 class="title"``; every element an h1-h6, span or div with an id
  and one ``a`` linking to an id that exists in a SMIL file; headings never skip a level on the
  way down; ncc:tocItems = the number of entries, ncc:depth = the deepest heading, ncc:files =
  the files in the book.
- Every SMIL: dc:format "Daisy 2.02", a layout with a region, one main seq with a dur equal to
  the sum of its clips; every par has endsync="last" and one text whose src names an existing
  id in an existing content document; every audio names an existing file, has clip-begin <
  clip-end, and lies inside the file's duration (ffprobe); clips run in increasing order and
  contiguously (each begins where the one before ended) through the whole book in NCC order;
  ncc:timeInThisSmil and ncc:totalElapsedTime agree with the clips.
- ncc:totalTime equals the sum of every clip (to the second of its hh:mm:ss syntax).
- master.smil, when present, lists the SMIL files in NCC order.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

XHTML = "{http://www.w3.org/1999/xhtml}"
XHTML10 = {"-//W3C//DTD XHTML 1.0 Transitional//EN", "-//W3C//DTD XHTML 1.0 Strict//EN"}
SMIL10 = "-//W3C//DTD SMIL 1.0//EN"
EXACTLY_ONCE = (
    "dc:title",
    "dc:format",
    "dc:identifier",
    "dc:date",
    "dc:publisher",
    "ncc:charset",
    "ncc:pageFront",
    "ncc:pageNormal",
    "ncc:pageSpecial",
    "ncc:tocItems",
    "ncc:totalTime",
)
ONE_OR_MORE = ("dc:creator", "dc:language")
AT_MOST_ONCE = (
    "ncc:depth",
    "ncc:files",
    "ncc:maxPageNormal",
    "ncc:multimediaType",
    "ncc:generator",
    "ncc:setInfo",
    "ncc:sourceDate",
    "ncc:producedDate",
    "ncc:kByteSize",
)
MULTIMEDIA_TYPES = {
    "audioOnly",
    "audioNcc",
    "audioPartText",
    "audioFullText",
    "textPartAudio",
    "textNcc",
}
_NPT = re.compile(r"npt=(\d+(?:\.\d+)?)s?")
_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)")


@dataclass(frozen=True)
class AudioClip:
    """One audio element of a SMIL file, its times in milliseconds of its own file."""

    smil: str
    par_id: str
    text_src: str
    src: str
    begin_ms: int
    end_ms: int


def smil_ms(value: str) -> int:
    """A SMIL 1.0 clock value in milliseconds: "npt=12.345s", "12.345s", "0:01:02.5"."""
    value = value.strip()
    match = _NPT.fullmatch(value) or re.fullmatch(r"(\d+(?:\.\d+)?)s", value)
    if match:
        return round(float(match.group(1)) * 1000)
    match = _CLOCK.fullmatch(value)
    if match:
        hours = int(match.group(1) or 0)
        return round((hours * 3600 + int(match.group(2)) * 60 + float(match.group(3))) * 1000)
    raise ValueError(f"not a SMIL clock value: {value!r}")


def audio_ms(path: Path) -> int:
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", "-show_format", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return round(float(json.loads(result.stdout)["format"]["duration"]) * 1000)


def _parse(path: Path, problems: list[str]):
    try:
        return etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    except (OSError, etree.XMLSyntaxError) as exc:
        problems.append(f"{path.name}: not well-formed XML ({exc})")
        return None


def _metas(head) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for meta in head.iter(f"{XHTML}meta", "meta"):
        if meta.get("name"):
            found.setdefault(meta.get("name"), []).append(meta.get("content", ""))
    return found


def _heading_order(levels: list[int], where: str, problems: list[str]) -> None:
    previous = 0
    for level in levels:
        if level > previous + 1:
            problems.append(f"{where}: heading h{level} follows h{previous or '-'}")
        previous = level


def ncc_clips(folder: Path) -> list[AudioClip]:
    """Every audio clip of the book in playing order (SMIL files in NCC order)."""
    clips: list[AudioClip] = []
    for smil in _smil_order(folder):
        tree = etree.parse(str(folder / smil))
        for par in tree.iter("par"):
            text = par.find("text")
            for audio in par.iter("audio"):
                clips.append(
                    AudioClip(
                        smil,
                        par.get("id", ""),
                        text.get("src", "") if text is not None else "",
                        audio.get("src", ""),
                        smil_ms(audio.get("clip-begin", "")),
                        smil_ms(audio.get("clip-end", "")),
                    )
                )
    return clips


def _smil_order(folder: Path) -> list[str]:
    ncc = etree.parse(str(folder / "ncc.html"))
    order: list[str] = []
    for anchor in ncc.iter(f"{XHTML}a"):
        name = anchor.get("href", "").split("#")[0]
        if name and name not in order:
            order.append(name)
    return order


def check_book(folder: Path) -> list[str]:
    problems: list[str] = []
    ncc_path = folder / "ncc.html"
    if not ncc_path.is_file():
        return [f"{folder}: no ncc.html"]
    ncc = _parse(ncc_path, problems)
    if ncc is None:
        return problems
    if ncc.docinfo.public_id not in XHTML10:
        problems.append(f"ncc.html: doctype {ncc.docinfo.public_id!r} is not XHTML 1.0")
    head = ncc.getroot().find(f"{XHTML}head")
    body = ncc.getroot().find(f"{XHTML}body")
    if head is None or body is None:
        return [*problems, "ncc.html: no head or body"]
    metas = _metas(head)
    for name in EXACTLY_ONCE:
        if len(metas.get(name, [])) != 1:
            problems.append(f"ncc.html: {name} appears {len(metas.get(name, []))} times, not once")
    for name in ONE_OR_MORE:
        if not metas.get(name):
            problems.append(f"ncc.html: no {name}")
    for name in AT_MOST_ONCE:
        if len(metas.get(name, [])) > 1:
            problems.append(f"ncc.html: {name} appears more than once")
    if metas.get("dc:format") != ["Daisy 2.02"]:
        problems.append(f"ncc.html: dc:format is {metas.get('dc:format')}, not 'Daisy 2.02'")
    if not all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in metas.get("dc:date", [])):
        problems.append("ncc.html: dc:date is not yyyy-mm-dd")
    if set(metas.get("ncc:multimediaType", [])) - MULTIMEDIA_TYPES:
        problems.append("ncc.html: unknown ncc:multimediaType")
    title = head.find(f"{XHTML}title")
    if title is None or not (title.text or "").strip():
        problems.append("ncc.html: no title element")

    entries = list(body)
    if not entries or entries[0].tag != f"{XHTML}h1" or entries[0].get("class") != "title":
        problems.append('ncc.html: the first element of body is not h1 class="title"')
    levels = []
    targets = []
    for entry in entries:
        name = etree.QName(entry).localname
        if name not in {"h1", "h2", "h3", "h4", "h5", "h6", "span", "div"}:
            problems.append(f"ncc.html: {name} is not allowed in the body")
            continue
        if not entry.get("id"):
            problems.append(f"ncc.html: a {name} has no id")
        anchors = entry.findall(f"{XHTML}a")
        if len(anchors) != 1 or "#" not in anchors[0].get("href", ""):
            problems.append(f"ncc.html: {name} {entry.get('id')} has no single a href=file#id")
        else:
            targets.append(anchors[0].get("href"))
        if name.startswith("h"):
            levels.append(int(name[1]))
    _heading_order(levels, "ncc.html", problems)
    if metas.get("ncc:tocItems") and int(metas["ncc:tocItems"][0]) != len(entries):
        problems.append(f"ncc.html: ncc:tocItems {metas['ncc:tocItems'][0]} != {len(entries)}")
    if metas.get("ncc:depth") and levels and int(metas["ncc:depth"][0]) != max(levels):
        problems.append(f"ncc.html: ncc:depth {metas['ncc:depth'][0]} != {max(levels)}")
    files = sorted(p.name for p in folder.iterdir() if p.is_file())
    if metas.get("ncc:files") and int(metas["ncc:files"][0]) != len(files):
        problems.append(f"ncc.html: ncc:files {metas['ncc:files'][0]} != {len(files)} files")

    smils = _smil_order(folder)
    smil_ids: dict[str, set[str]] = {}
    content_ids: dict[str, set[str]] = {}
    durations: dict[str, int] = {}
    elapsed = 0
    previous_clip: tuple[str, int] | None = None
    for smil in smils:
        tree = _parse(folder / smil, problems)
        if tree is None:
            continue
        if tree.docinfo.public_id != SMIL10:
            problems.append(f"{smil}: doctype {tree.docinfo.public_id!r} is not SMIL 1.0")
        ids = [node.get("id") for node in tree.iter() if node.get("id")]
        if len(ids) != len(set(ids)):
            problems.append(f"{smil}: ids are not unique")
        smil_ids[smil] = set(ids)
        smil_head = tree.getroot().find("head")
        smil_metas = _metas(smil_head) if smil_head is not None else {}
        if smil_metas.get("dc:format") != ["Daisy 2.02"]:
            problems.append(f"{smil}: dc:format is not 'Daisy 2.02' once")
        if smil_head is None or smil_head.find("layout/region") is None:
            problems.append(f"{smil}: no layout region")
        seqs = tree.getroot().findall("body/seq")
        if len(seqs) != 1 or not seqs[0].get("dur"):
            problems.append(f"{smil}: not exactly one main seq with a dur")
            continue
        total = 0
        for par in seqs[0].iter("par"):
            where = f"{smil}#{par.get('id')}"
            if par.get("endsync") != "last":
                problems.append(f"{where}: par without endsync='last'")
            texts = par.findall("text")
            if len(texts) != 1:
                problems.append(f"{where}: {len(texts)} text elements")
            else:
                document, _, fragment = texts[0].get("src", "").partition("#")
                if document not in content_ids:
                    content_ids[document] = _content_ids(folder / document, problems)
                if fragment not in content_ids[document]:
                    problems.append(f"{where}: text src {texts[0].get('src')} names no element")
            for audio in par.iter("audio"):
                src = audio.get("src", "")
                if not (folder / src).is_file():
                    problems.append(f"{where}: audio {src!r} does not exist")
                    continue
                if src not in durations:
                    durations[src] = audio_ms(folder / src)
                try:
                    begin = smil_ms(audio.get("clip-begin", ""))
                    end = smil_ms(audio.get("clip-end", ""))
                except ValueError as exc:
                    problems.append(f"{where}: {exc}")
                    continue
                if not begin < end:
                    problems.append(f"{where}: clip-begin {begin} is not before clip-end {end}")
                if end > durations[src]:
                    problems.append(
                        f"{where}: clip ends at {end} ms, after {src} ({durations[src]})"
                    )
                if previous_clip is not None:
                    last_src, last_end = previous_clip
                    expected = last_end if last_src == src else 0
                    if begin != expected:
                        problems.append(
                            f"{where}: clip begins at {begin} ms, not where the previous ended "
                            f"({last_src} {last_end} ms)"
                        )
                previous_clip = (src, end)
                total += end - begin
        if smil_ms(seqs[0].get("dur")) != total:
            problems.append(f"{smil}: seq dur {seqs[0].get('dur')} != the clips' {total} ms")
        in_smil = smil_metas.get("ncc:timeInThisSmil")
        if in_smil and smil_ms(in_smil[0]) // 1000 != (total + 500) // 1000:
            problems.append(f"{smil}: ncc:timeInThisSmil {in_smil[0]} != {total} ms")
        stated_elapsed = smil_metas.get("ncc:totalElapsedTime")
        if stated_elapsed and smil_ms(stated_elapsed[0]) // 1000 != (elapsed + 500) // 1000:
            problems.append(f"{smil}: ncc:totalElapsedTime {stated_elapsed[0]} != {elapsed} ms")
        elapsed += total

    for href in targets:
        smil, _, fragment = href.partition("#")
        if fragment not in smil_ids.get(smil, set()):
            problems.append(f"ncc.html: link {href} names no element of a SMIL file")
    stated = metas.get("ncc:totalTime")
    if stated:
        stated_ms = smil_ms(stated[0])
        exact = "." in stated[0]
        if (stated_ms != elapsed) if exact else (stated_ms // 1000 != (elapsed + 500) // 1000):
            problems.append(f"ncc.html: ncc:totalTime {stated[0]} != the clips' {elapsed} ms")
    master = folder / "master.smil"
    if master.exists():
        tree = _parse(master, problems)
        if tree is not None and [r.get("src") for r in tree.iter("ref")] != smils:
            problems.append("master.smil: its refs are not the NCC's SMIL files in order")
    for document in content_ids:
        tree = _parse(folder / document, problems)
        if tree is not None:
            if tree.docinfo.public_id not in XHTML10:
                problems.append(f"{document}: doctype is not XHTML 1.0")
            levels = [
                int(etree.QName(n).localname[1])
                for n in tree.iter()
                if isinstance(n.tag, str) and re.fullmatch(r"h[1-6]", etree.QName(n).localname)
            ]
            _heading_order(levels, document, problems)
    return problems


def _content_ids(path: Path, problems: list[str]) -> set[str]:
    if not path.is_file():
        problems.append(f"{path.name}: the content document does not exist")
        return set()
    tree = _parse(path, problems)
    if tree is None:
        return set()
    ids = [node.get("id") for node in tree.iter() if isinstance(node.tag, str) and node.get("id")]
    if len(ids) != len(set(ids)):
        problems.append(f"{path.name}: ids are not unique")
    return set(ids)


def element_text(folder: Path, src: str) -> str:
    """The text of the element a ``text src`` names, white space collapsed."""
    document, _, fragment = src.partition("#")
    tree = etree.parse(str(folder / document))
    found = tree.xpath("//*[@id=$id]", id=fragment)
    return " ".join("".join(found[0].itertext()).split()) if found else ""
