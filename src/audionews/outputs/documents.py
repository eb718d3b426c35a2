"""The episode as documents: its timed document, its page, its talking books.

- ``S.document.json`` beside every episode: the ``EpisodeDocument`` of the build (see
  render/document.py), made from the Script and Timeline, never guessed. ``audionews page``
  reads it back, so a page made later is the page the build would have made; the build key in
  it must be the MP3's, or it is not used (an MP3 rebuilt by a program that did not write it).
- ``build --page``: ``S.html``, the episode page (render/page.py). Every feed episode gets one,
  and its feed item links to it.
- ``build --daisy``: ``S.daisy/`` and ``S.daisy.zip``, a DAISY 2.02 book (render/daisy.py).
- ``build --epub``: ``S.epub``, EPUB 3 with media overlays (render/epub.py).

All are written at the build's temporary names and moved into place with the MP3, so a failed
build leaves none of them half-written and keeps the earlier ones. For an episode built before
there was a ``S.document.json``, ``write_page`` reads the structure back from the tags and side
files instead (render/from_sidefiles.py), which has to guess paragraphs from pauses.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audionews.errors import AudionewsError, EpisodeError, OutputError
from audionews.files import Target, atomic_files
from audionews.outputs import Output, OutputContext
from audionews.render.document import EpisodeDocument

if TYPE_CHECKING:
    from audionews.options import BuildOptions

DOCUMENT_SUFFIX = ".document.json"
FORMAT = "audionews episode document"
VERSION = 1
BUILD_KEY = "audionews:build_key"
GUID = "audionews:guid"


def episode_document(context: OutputContext) -> EpisodeDocument:
    """The timed document of the episode being built, from its Script and Timeline."""
    from audionews.render.from_build import document_from_build

    tags = context.tags
    return document_from_build(
        context.script,
        context.article.blocks,
        context.timeline,
        audio=context.finals["mp3"].name,
        identifier=tags.extra_dict()[GUID],
        show=tags.show,
        date=tags.date,
        description=tags.description,
    )


def document_json(doc: EpisodeDocument, build_key: str) -> str:
    """``S.document.json``: the document, marked with its format and the build it belongs to."""
    data = {"format": FORMAT, "version": VERSION, "build_key": build_key, **doc.to_dict()}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def document_path(mp3: Path) -> Path:
    return mp3.with_name(mp3.stem + DOCUMENT_SUFFIX)


def read_document(mp3: Path) -> EpisodeDocument | None:
    """The document written beside ``mp3`` by its build; None when there is none, it cannot be
    read, or it belongs to another build of the episode (its build key is not the MP3's)."""
    from audionews.outputs.tags import read_tags

    try:
        data: Any = json.loads(document_path(mp3).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("version") != VERSION:
            return None
        key = read_tags(mp3).extra_dict().get(BUILD_KEY)
        if not key or data.get("build_key") != key:
            return None
        doc = EpisodeDocument.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, AudionewsError):
        return None
    return replace(doc, audio=mp3.name)


@dataclass(frozen=True)
class WrittenPage:
    """What ``write_page`` wrote: the page, and whether its structure came from the build's
    own document (``exact``) or was read back from the side files."""

    path: Path
    exact: bool


def write_page(mp3: Path, output: Path | None = None) -> WrittenPage:
    """The page of an episode built before: ``S.html`` beside ``S.mp3``, or at ``output`` (a
    file, or a folder to put ``S.html`` in). The page links to the MP3 by a relative path.

    EpisodeError when ``mp3`` is not an episode with a transcript; OutputError when the page
    cannot be written (an earlier page there is kept).
    """
    mp3 = Path(mp3)
    if not mp3.is_file():
        raise EpisodeError(mp3, "no such file")
    target = Path(output) if output is not None else mp3.with_suffix(".html")
    if target.is_dir():
        target = target / (mp3.stem + ".html")
    audio = Path(os.path.relpath(mp3.resolve(), target.resolve().parent)).as_posix()
    html, exact = page_html(mp3, audio)
    try:
        with atomic_files({"page": target}) as partial:
            partial["page"].write_text(html, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    return WrittenPage(target, exact)


def page_html(mp3: Path, audio: str) -> tuple[str, bool]:
    """The page of the episode ``mp3``, linking to its audio as ``audio`` (a relative URL
    path), and whether its structure is the build's own; EpisodeError without a transcript.

    A feed names an episode's files its own way: its page is made again for that name.
    """
    from audionews.render.from_sidefiles import document_from_episode
    from audionews.render.page import render_page

    doc = read_document(mp3)
    exact = doc is not None
    if doc is None:
        doc = document_from_episode(mp3)
    return render_page(replace(doc, audio=audio)), exact


class _Document(Output):
    """``S.document.json`` beside every episode."""

    key = "document"

    def targets(self, stem: Path) -> dict[str, Target]:
        return {"document": Target(document_path(Path(f"{stem}.mp3")))}

    def write(self, context: OutputContext) -> None:
        key = context.tags.extra_dict()[BUILD_KEY]
        text = document_json(episode_document(context), key)
        context.paths["document"].write_text(text, encoding="utf-8")


class _Page(Output):
    """``build --page`` (and every feed episode): ``S.html``."""

    key = "page"

    def wanted(self, options: BuildOptions) -> bool:
        return options.page or options.feed is not None

    def targets(self, stem: Path) -> dict[str, Target]:
        return {"page": Target(Path(f"{stem}.html"))}

    def write(self, context: OutputContext) -> None:
        from audionews.render.page import render_page

        html = render_page(episode_document(context))
        context.paths["page"].write_text(html, encoding="utf-8")


class _Daisy(Output):
    """``build --daisy``: ``S.daisy/`` and ``S.daisy.zip``."""

    key = "daisy"

    def wanted(self, options: BuildOptions) -> bool:
        return options.daisy

    def targets(self, stem: Path) -> dict[str, Target]:
        return {
            "daisy": Target(Path(f"{stem}.daisy"), folder=True),
            "daisy_zip": Target(Path(f"{stem}.daisy.zip")),
        }

    def write(self, context: OutputContext) -> None:
        from audionews.render.daisy import fill_daisy

        paths = context.paths
        fill_daisy(episode_document(context), paths["mp3"], paths["daisy"], paths["daisy_zip"])


class _Epub(Output):
    """``build --epub``: ``S.epub``."""

    key = "epub"

    def wanted(self, options: BuildOptions) -> bool:
        return options.epub

    def targets(self, stem: Path) -> dict[str, Target]:
        return {"epub": Target(Path(f"{stem}.epub"))}

    def write(self, context: OutputContext) -> None:
        from audionews.render.epub import fill_epub

        fill_epub(episode_document(context), context.paths["mp3"], context.paths["epub"])


DOCUMENT = _Document()
PAGE = _Page()
DAISY = _Daisy()
EPUB = _Epub()
