"""The podcast feed: a folder that can be uploaded as it is.

    DIR/show.toml           the show: title, description, author, e-mail, language,
                            category, explicit flag, cover image, base URL
    DIR/cover.jpg           the show's cover (made plain if none is given)
    DIR/episodes/S.mp3      each episode with its side files (S.chapters.json, S.vtt, S.srt),
                            its page (S.html, which the item's <link> points to) and the
                            document it is made from (S.document.json), and what else it was
                            built with (S.clips/, S.daisy/, S.daisy.zip, S.epub)
    DIR/feed.xml            RSS 2.0 with the itunes and podcast namespaces

feed.xml is never edited, only regenerated from the show configuration and the episodes' own
tags and side files, so it can always be rebuilt. It is written with feedgen (chosen because
it builds the XML with lxml, so article text is escaped, and it already knows the iTunes
tags; the Podcasting 2.0 tags are a small feedgen extension here).

Nothing is ever lost:
- An episode's files are named after its article's title, once per guid: S for the first
  episode of that title, S-1a2b3c (from its guid) for another article of the same title (a
  daily "Morning Briefing"), and the name an episode has is kept when it is added again.
- Every operation checks everything it is given (show.toml, the episode) before it touches the
  folder, and then happens under a lock on the folder as one set (``files.atomic_files``): the
  new episode's files and feed.xml are written beside the old ones, switched in together, and
  only then are the replaced or removed files deleted. A failure, a full disk or a kill at any
  point leaves the folder as it was before or as it is after, never in between; the next
  operation on the folder finishes what a killed one left.
- ``build --feed`` builds into a folder of its own in the feed (.audionews-build-PID), from
  which the episode is added as ``feed add`` adds one.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import re
import shutil
import tomllib
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

import tomli_w

from audionews import files
from audionews.errors import EpisodeError, FeedError
from audionews.files import Target, UnreadableFile, atomic_files, read_regular
from audionews.outputs import Output, OutputContext
from audionews.outputs.show import Show
from audionews.outputs.tags import mp3_info, read_tags
from audionews.tools import run_ffmpeg

if TYPE_CHECKING:
    from audionews.options import BuildOptions

PODCAST_NS = "https://podcastindex.org/namespace/1.0"


@dataclass(frozen=True)
class SideFile:
    """A file that goes with an episode: its suffix, its MIME type, its key in a build."""

    suffix: str
    mime: str
    key: str


SIDE_FILES = (
    SideFile(".chapters.json", "application/json+chapters", "chapters_json"),
    SideFile(".vtt", "text/vtt", "vtt"),
    SideFile(".srt", "application/x-subrip", "srt"),
)
# The episode page and the document it is made from (outputs/documents.py) travel with it,
# and the clips and talking books it was built with; the page is made again for the name the
# episode has in the feed (it links to its MP3).
PAGE = ".html"
COMPANIONS = (PAGE, ".document.json", ".daisy.zip", ".epub")
COMPANION_FOLDERS = (".clips", ".daisy")
_SUFFIXES = (*(side.suffix for side in SIDE_FILES), *COMPANIONS, *COMPANION_FOLDERS)
CONFIG = "show.toml"
EPISODES = "episodes"
FEED = "feed.xml"
BUILDS = ".audionews-build-"
SHOW_MAX_BYTES = 1 << 20
COVER_MAX_BYTES = 64 << 20


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text that XML 1.0 can carry: control characters it forbids are dropped."""
    return _NOT_XML.sub("", text)


@dataclass(frozen=True)
class FeedEpisode:
    """One episode as the feed lists it; ``side_files`` (listed in the feed) by MIME type,
    ``companions`` the other files and folders that go with it."""

    guid: str
    title: str
    description: str
    published: dt.datetime
    mp3: Path
    length: int
    duration_s: int
    author: str | None
    side_files: dict[str, Path]
    companions: tuple[Path, ...] = ()

    @property
    def page(self) -> Path | None:
        return next((path for path in self.companions if path.name.endswith(PAGE)), None)

    @property
    def files(self) -> list[Path]:
        """Every file and folder of the episode."""
        return [self.mp3, *self.side_files.values(), *self.companions]


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the feed folder's lock: one change at a time, across processes."""
    try:
        handle = open(folder / ".lock", "a+")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise FeedError(f"cannot change {folder}: {exc.strerror or exc}") from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def init_feed(folder: Path, show: Show, image: Path | None = None) -> Path:
    """Create a feed folder (or update its show configuration) and write its feed.

    Every value is checked, and the cover read, before the folder is touched; show.toml, the
    cover and feed.xml are then switched in as one set.
    """
    if (problem := show.problem()) is not None:
        raise FeedError(f"cannot make the feed {folder}: {problem}")
    cover_bytes = None
    if image is not None:
        try:
            cover_bytes = read_regular(image, COVER_MAX_BYTES)
        except UnreadableFile as exc:
            raise FeedError(f"cover image {image}: {exc.cause}") from None
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FeedError(f"cannot create {folder}: {exc.strerror or exc}") from None
    try:
        with locked(folder):
            _tidy(folder)
            _episodes_folder(folder)
            try:
                earlier: Show | None = load_show(folder)
            except FeedError:
                earlier = None  # a feed whose show.toml is broken is mended by init
            suffix = re.sub(r"[^a-z0-9.]", "", image.suffix.lower())[:6] if image else ""
            cover = f"cover{suffix or '.jpg'}" if image else earlier.image if earlier else ""
            if not cover or not (folder / cover).is_file():
                cover = "cover.jpg"
            show = replace(show, image=cover)
            targets = {"config": folder / CONFIG, "feed": folder / FEED}
            if cover_bytes is not None or not (folder / cover).is_file():
                targets["cover"] = folder / cover
            old_cover = folder / earlier.image if earlier else None
            stale = (
                [old_cover] if old_cover and old_cover.name != cover and old_cover.is_file() else []
            )
            listed = episodes(folder)
            with atomic_files(targets, remove=stale) as partial:
                if "cover" in targets:
                    _write_cover(partial["cover"], cover_bytes)
                # Written by a TOML library, so any title (quotes, control characters) reads back.
                partial["config"].write_text(tomli_w.dumps(asdict(show)), encoding="utf-8")
                _write_feed(show, listed, partial["feed"])
    except BaseException:
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder / FEED


def _write_cover(path: Path, image: bytes | None) -> None:
    if image is not None:
        path.write_bytes(image)
        return
    # Apple asks for a square cover of 1400 to 3000 pixels: a plain one until the producer
    # gives theirs.
    run_ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            "color=c=0x1d3557:s=1400x1400:d=1",
            "-frames:v",
            "1",
            "-f",
            "image2",
            "-c:v",
            "mjpeg",
            "-y",
            str(path),
        ]
    )


def load_show(folder: Path) -> Show:
    """The show of a feed folder, every value checked; FeedError naming show.toml if not."""
    config = folder / CONFIG
    if not os.path.lexists(config):
        raise FeedError(f"{folder} is not a feed folder (no {CONFIG}); run 'audionews feed init'")
    try:
        data = read_regular(config, SHOW_MAX_BYTES)
    except UnreadableFile as exc:
        raise FeedError(f"{config}: {exc.cause}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = exc.start
        raise FeedError(f"{config}: not UTF-8 (byte 0x{data[at]:02x} at {at})") from None
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FeedError(f"{config}: not valid TOML ({exc})") from None
    known = {f.name for f in fields(Show)}
    if unknown := sorted(set(values) - known):
        raise FeedError(f"{config}: unknown keys: {', '.join(unknown)}")
    if missing := [name for name in ("title", "base_url") if name not in values]:
        raise FeedError(f"{config}: {' and '.join(missing)} missing")
    show = Show(**values)
    if (problem := show.problem()) is not None:
        raise FeedError(f"{config}: {problem}")
    return show


def episode_guid(title: str, date: dt.date | None) -> str:
    """A stable id from the article (its title and date), never from the time of the build."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"audionews:{title}|{date or ''}"))


def _stem(mp3: Path) -> Path:
    """An episode file's path without its .mp3 (any case), for the names of its side files."""
    name = mp3.name
    return mp3.with_name(name[:-4] if name.lower().endswith(".mp3") else name)


def _read_episode(mp3: Path, *, final: Path | None = None) -> FeedEpisode:
    """An episode from its MP3's tags and stream; ``final`` the name it has in the feed (when
    ``mp3`` is still a temporary). Side files and companions are found beside the final name."""
    tags = read_tags(mp3)
    extra = tags.extra_dict()
    guid = extra.get("audionews:guid") or episode_guid(tags.title, tags.date)
    found = mp3.stat()
    if tags.date is not None:
        published = dt.datetime.combine(tags.date, dt.time(6, 0), dt.UTC)
    else:
        published = dt.datetime.fromtimestamp(found.st_mtime, dt.UTC).replace(microsecond=0)
    duration = mp3_info(mp3).length
    final = final or mp3
    stem = _stem(final)
    side = {
        side.mime: Path(f"{stem}{side.suffix}")
        for side in SIDE_FILES
        if Path(f"{stem}{side.suffix}").is_file()
    }
    companions = tuple(
        Path(f"{stem}{suffix}") for suffix in COMPANIONS if Path(f"{stem}{suffix}").is_file()
    ) + tuple(
        Path(f"{stem}{suffix}") for suffix in COMPANION_FOLDERS if Path(f"{stem}{suffix}").is_dir()
    )
    return FeedEpisode(
        guid=guid,
        title=tags.title,
        description=tags.description or tags.title,
        published=published,
        mp3=final,
        length=found.st_size,
        duration_s=round(duration),
        author=tags.artist,
        side_files=side,
        companions=companions,
    )


def _scan(folder: Path) -> list[FeedEpisode]:
    """Every episode file in the feed (more than one per guid only after an older version
    of audionews, or a hand, put them there)."""
    where = folder / EPISODES
    if not where.is_dir():
        return []
    found = []
    for path in sorted(where.iterdir()):
        if path.name.startswith(".") or not path.name.lower().endswith(".mp3"):
            continue
        if path.is_file():
            found.append(_read_episode(path))
    return found


def _newest_per_guid(found: list[FeedEpisode]) -> list[FeedEpisode]:
    chosen: dict[str, FeedEpisode] = {}
    for episode in sorted(found, key=lambda e: e.mp3.stat().st_mtime):
        chosen[episode.guid] = episode
    return list(chosen.values())


def _newest_first(found: list[FeedEpisode]) -> list[FeedEpisode]:
    return sorted(found, key=lambda e: (e.published, e.title), reverse=True)


def episodes(folder: Path) -> list[FeedEpisode]:
    """The feed's episodes, newest first."""
    return _newest_first(_newest_per_guid(_scan(folder)))


def _episodes_folder(folder: Path) -> Path:
    where = folder / EPISODES
    if os.path.lexists(where) and not where.is_dir():
        raise FeedError(f"{where} is not a folder")
    try:
        where.mkdir(exist_ok=True)
    except OSError as exc:
        raise FeedError(f"cannot create {where}: {exc.strerror or exc}") from None
    return where


def _tidy(folder: Path) -> None:
    """Finish what killed runs left in the feed: their sets, their build folders."""
    files.clean_stale(folder)
    files.remove_stale_folders(folder, BUILDS)


def _name_for(incoming: FeedEpisode, current: list[FeedEpisode], where: Path) -> str:
    """The name (without suffix) of the incoming episode's files: the one its guid has, else
    a slug of its title, with a short stable suffix from its guid when the slug is taken."""
    same = [e for e in current if e.guid == incoming.guid]
    if same:
        return _stem(_newest_per_guid(same)[-1].mp3).name
    from audionews.pipeline import slugify  # the pipeline imports this module

    base = slugify(incoming.title)
    taken = {_stem_name(name) for name in os.listdir(where)}
    digest = hashlib.sha256(incoming.guid.encode("utf-8")).hexdigest()
    for candidate in (base, f"{base}-{digest[:6]}", f"{base}-{digest[:12]}", f"{base}-{digest}"):
        if candidate.lower() not in taken:
            return candidate
    raise FeedError(f"{where}: no free name for {incoming.title!r}")


def _stem_name(name: str) -> str:
    lowered = name.lower()
    for suffix in (".mp3", *_SUFFIXES):
        if lowered.endswith(suffix):
            return lowered[: -len(suffix)]
    return lowered


def add_episode(folder: Path, mp3: Path, *, move: bool = False) -> FeedEpisode:
    """Add an episode (and its side files, document, page and clips) to the feed, replacing
    one of the same article; with ``move``, its files may be taken rather than copied (a
    build's own)."""
    show = load_show(folder)
    incoming = _read_episode(mp3)
    with locked(folder):
        _tidy(folder)
        where = _episodes_folder(folder)
        current = _scan(folder)
        stem = where / _name_for(incoming, current, where)
        final_mp3 = Path(f"{stem}.mp3")
        # Every feed episode gets its page, made for the name its MP3 has here (checked and
        # rendered before anything in the folder changes).
        page = _page(mp3, final_mp3.name)
        targets: dict[str, Target] = {"mp3": Target(final_mp3)}
        sources: dict[str, Path] = {"mp3": mp3}
        for side in SIDE_FILES:
            if side.mime in incoming.side_files:
                targets[side.key] = Target(Path(f"{stem}{side.suffix}"))
                sources[side.key] = incoming.side_files[side.mime]
        incoming_stem = _stem(mp3).name
        for companion in incoming.companions:
            suffix = companion.name[len(incoming_stem) :]
            if suffix != PAGE:
                targets[suffix] = Target(Path(f"{stem}{suffix}"), folder=companion.is_dir())
                sources[suffix] = companion
        if page is not None:
            targets[PAGE] = Target(Path(f"{stem}{PAGE}"))
        new = {target.path for target in targets.values()}
        replaced = [e for e in current if e.guid == incoming.guid]
        # What the replaced episode had that the new one lacks goes too (a transcript left
        # beside the new episode would be listed as its own).
        stale = {path for episode in replaced for path in episode.files}
        stale |= {Path(f"{stem}{suffix}") for suffix in _SUFFIXES}
        stale = {path for path in stale if path not in new and os.path.lexists(path)}
        targets["feed"] = Target(folder / FEED)
        with atomic_files(targets, remove=sorted(stale)) as partial:
            for key, source in sources.items():
                _place(source, partial[key], move=move)
            if page is not None:
                partial[PAGE].write_text(page, encoding="utf-8")
            added = _read_episode(partial["mp3"], final=final_mp3)
            added = replace(
                added,
                side_files={s.mime: targets[s.key].path for s in SIDE_FILES if s.key in targets},
                companions=tuple(
                    target.path for key, target in targets.items() if key.startswith(".")
                ),
            )
            listed = [e for e in _newest_per_guid(current) if e.guid != incoming.guid]
            _write_feed(show, _newest_first([*listed, added]), partial["feed"])
    return added


def _place(source: Path, partial: Path, *, move: bool) -> None:
    """Put a copy of ``source`` (a file or a folder) at ``partial``; with ``move``, a hard
    link where the file system has them (the source is a build's own and goes next)."""

    def copy(source: str, target: str) -> None:
        if move:
            try:
                os.link(source, target)
                return
            except OSError:
                pass
        shutil.copyfile(source, target)

    try:
        if source.is_dir():
            shutil.copytree(source, partial, copy_function=copy, dirs_exist_ok=True)
        else:
            os.unlink(partial)
            copy(str(source), str(partial))
    except shutil.Error as exc:
        raise FeedError(f"cannot copy {source}: {exc}") from None


def remove_episode(folder: Path, guid: str) -> FeedEpisode:
    """Remove the episode ``guid``: feed.xml without it first, then its files."""
    show = load_show(folder)
    with locked(folder):
        _tidy(folder)
        current = _scan(folder)
        gone = [e for e in current if e.guid == guid]
        if not gone:
            raise FeedError(f"{folder} has no episode with guid {guid!r}")
        listed = _newest_first(_newest_per_guid([e for e in current if e.guid != guid]))
        stale = sorted({path for episode in gone for path in episode.files})
        with atomic_files({"feed": folder / FEED}, remove=stale) as partial:
            _write_feed(show, listed, partial["feed"])
    return gone[-1]


def _page(mp3: Path, audio: str) -> str | None:
    """The page of the episode ``mp3`` for the feed, linking to its MP3 as ``audio``; None for
    an MP3 without a transcript (not made by audionews), listed without a page."""
    from audionews.outputs.documents import page_html

    try:
        return page_html(mp3, audio)[0]
    except EpisodeError:
        return None


def _write_feed(show: Show, listed: list[FeedEpisode], path: Path) -> None:
    """Write the feed of ``show`` listing ``listed`` (newest first) to ``path``."""
    # feedgen and lxml are loaded only when a feed is written (45 ms every build would pay).
    from audionews.outputs.feedxml import write_feed

    write_feed(show, listed, path)


def feed_summary(folder: Path) -> list[dict[str, object]]:
    """The feed's episodes, newest first, as ``feed list --json`` prints them; what a killed
    operation left is finished first, where the folder can be written."""
    load_show(folder)
    if os.access(folder, os.W_OK):
        _tidy(folder)
    return [
        {
            "guid": e.guid,
            "title": e.title,
            "published": e.published.isoformat(),
            "mp3": str(e.mp3),
            "length": e.length,
            "duration_s": e.duration_s,
        }
        for e in episodes(folder)
    ]


class _Publish(Output):
    """``build --feed DIR``: the episode is built into a folder of this process's own in DIR,
    then added to the feed as ``feed add`` adds one (its files moved, not copied)."""

    key = "feed"

    def wanted(self, options: BuildOptions) -> bool:
        return options.feed is not None

    def check(self, options: BuildOptions) -> None:
        assert options.feed is not None
        load_show(options.feed)  # a missing or broken feed is found before any work

    def folder(self, options: BuildOptions, out_dir: Path) -> Path:
        assert options.feed is not None
        return files.held_folder(options.feed / f"{BUILDS}{os.getpid()}")

    def publish(self, context: OutputContext, built: Mapping[str, Path]) -> dict[str, object]:
        feed = context.prepared.options.feed
        assert feed is not None
        try:
            added = add_episode(feed, built["mp3"], move=True)
        finally:
            files.release_folder(built["mp3"].parent)
        # Each file of the build is where the feed put it: its name's stem is the feed's.
        built_stem, stem = _stem(built["mp3"]).name, _stem(added.mp3)
        published: dict[str, object] = {}
        for key, path in built.items():
            moved = Path(f"{stem}{path.name[len(built_stem) :]}")
            if path.name.startswith(built_stem) and os.path.lexists(moved):
                published[key] = str(moved)
        return {**published, "feed": str(feed / FEED), "guid": added.guid}


OUTPUT = _Publish()
