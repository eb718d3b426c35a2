"""The podcast feed: a folder that can be uploaded as it is.

    DIR/show.toml           the show: title, description, author, e-mail, language,
                            category, explicit flag, cover image, base URL
    DIR/cover.jpg           the show's cover (made plain if none is given)
    DIR/episodes/S.mp3      each episode with its side files (S.chapters.json, S.vtt, S.srt)
                            and its page (S.html), which the item's <link> points to
    DIR/feed.xml            RSS 2.0 with the itunes and podcast namespaces

feed.xml is never edited, only regenerated from the show configuration and the episodes' own
tags and side files, so it can always be rebuilt. It is written with feedgen (chosen because
it builds the XML with lxml, so article text is escaped, and it already knows the iTunes
tags; the Podcasting 2.0 tags are a small feedgen extension here). Every change happens
under a lock on the folder and feed.xml is replaced atomically, so two `feed add` runs at
once both land and a reader never sees half a feed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import fcntl
import re
import shutil
import tomllib
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import lxml.etree  # imported before feedgen, whose util module needs it
import tomli_w
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator

from audionews.errors import EpisodeError, FeedError
from audionews.files import atomic_files
from audionews.outputs import Output, OutputContext
from audionews.outputs.show import Show
from audionews.outputs.tags import mp3_info, read_tags
from audionews.tools import run_ffmpeg

if TYPE_CHECKING:
    from audionews.options import BuildOptions

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
SIDE_FILES = {
    ".chapters.json": "application/json+chapters",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
}
# The episode page and the document it is made from (outputs/documents.py) travel with it.
PAGE = ".html"
COMPANIONS = (PAGE, ".document.json")
CONFIG = "show.toml"
EPISODES = "episodes"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text that XML 1.0 can carry: control characters it forbids are dropped."""
    return _NOT_XML.sub("", text)


@dataclass(frozen=True)
class FeedEpisode:
    """One episode as the feed lists it."""

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


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold the feed folder's lock: one change at a time, across processes."""
    with open(folder / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def init_feed(folder: Path, show: Show, image: Path | None = None) -> Path:
    """Create a feed folder (or update its show configuration) and write its feed."""
    if not show.base_url.startswith(("https://", "http://")):
        raise FeedError(f"base URL {show.base_url!r} must start with https:// or http://")
    if not show.title.strip():
        raise FeedError("the show needs a title")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / EPISODES).mkdir(exist_ok=True)
    with locked(folder):
        cover = folder / "cover.jpg"
        if image is not None:
            if not image.is_file():
                raise FeedError(f"cover image {image}: no such file")
            cover = folder / f"cover{image.suffix.lower()}"
            shutil.copyfile(image, cover)
        elif not cover.exists():
            # Apple asks for a square cover of 1400 to 3000 pixels: a plain one until the
            # producer gives theirs.
            with atomic_files({"cover": cover}) as partial:
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
                        str(partial["cover"]),
                    ]
                )
        show = Show(**{**asdict(show), "image": cover.name})
        # Written by a TOML library, so any title (quotes, control characters) reads back.
        with atomic_files({"config": folder / CONFIG}) as partial:
            partial["config"].write_text(tomli_w.dumps(asdict(show)), encoding="utf-8")
        return _write_feed(folder)


def load_show(folder: Path) -> Show:
    config = folder / CONFIG
    if not config.is_file():
        raise FeedError(f"{folder} is not a feed folder (no {CONFIG}); run 'audionews feed init'")
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
        return Show(**data)
    except (tomllib.TOMLDecodeError, TypeError) as exc:
        raise FeedError(f"{config}: not a valid show configuration ({exc})") from None


def episode_guid(title: str, date: dt.date | None) -> str:
    """A stable id from the article (its title and date), never from the time of the build."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"audionews:{title}|{date or ''}"))


def _read_episode(mp3: Path) -> FeedEpisode:
    tags = read_tags(mp3)
    extra = tags.extra_dict()
    guid = extra.get("audionews:guid") or episode_guid(tags.title, tags.date)
    if tags.date is not None:
        published = dt.datetime.combine(tags.date, dt.time(6, 0), dt.UTC)
    else:
        published = dt.datetime.fromtimestamp(mp3.stat().st_mtime, dt.UTC).replace(microsecond=0)
    duration = mp3_info(mp3).length
    stem = mp3.with_suffix("")
    side = {
        mime: Path(f"{stem}{suffix}")
        for suffix, mime in SIDE_FILES.items()
        if Path(f"{stem}{suffix}").is_file()
    }
    companions = tuple(
        Path(f"{stem}{suffix}") for suffix in COMPANIONS if Path(f"{stem}{suffix}").is_file()
    )
    return FeedEpisode(
        guid=guid,
        title=tags.title,
        description=tags.description or tags.title,
        published=published,
        mp3=mp3,
        length=mp3.stat().st_size,
        duration_s=round(duration),
        author=tags.artist,
        side_files=side,
        companions=companions,
    )


def episodes(folder: Path) -> list[FeedEpisode]:
    """The feed's episodes, newest first."""
    found = [_read_episode(mp3) for mp3 in sorted((folder / EPISODES).glob("*.mp3"))]
    return sorted(found, key=lambda e: (e.published, e.title), reverse=True)


def add_episode(folder: Path, mp3: Path) -> FeedEpisode:
    """Add an episode (and its side files) to the feed, replacing one of the same article."""
    load_show(folder)
    if not mp3.is_file():
        raise EpisodeError(mp3, "no such file")
    incoming = _read_episode(mp3)
    target_dir = folder / EPISODES
    with locked(folder):
        for existing in (_read_episode(p) for p in sorted(target_dir.glob("*.mp3"))):
            if existing.guid == incoming.guid and existing.mp3.resolve() != mp3.resolve():
                _remove_files(existing)
        sources = [mp3, *incoming.side_files.values(), *incoming.companions]
        for source in sources:
            destination = target_dir / source.name
            if source.resolve() != destination.resolve():
                with atomic_files({"file": destination}) as partial:
                    shutil.copyfile(source, partial["file"])
        if incoming.page is None:
            _make_page(target_dir / mp3.name)
        _write_feed(folder)
    return _read_episode(target_dir / mp3.name)


def remove_episode(folder: Path, guid: str) -> FeedEpisode:
    load_show(folder)
    with locked(folder):
        for episode in episodes(folder):
            if episode.guid == guid:
                _remove_files(episode)
                _write_feed(folder)
                return episode
    raise FeedError(f"{folder} has no episode with guid {guid!r}")


def _remove_files(episode: FeedEpisode) -> None:
    episode.mp3.unlink(missing_ok=True)
    for path in [*episode.side_files.values(), *episode.companions]:
        path.unlink(missing_ok=True)


def _make_page(mp3: Path) -> None:
    """Every feed episode gets its page: one built before pages existed has it made now."""
    from audionews.outputs.documents import write_page

    # An MP3 without a transcript (not made by audionews) is listed without a page.
    with contextlib.suppress(EpisodeError):
        write_page(mp3)


ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"


def _explicit(parent, value: bool) -> None:  # type: ignore[no-untyped-def]
    # Apple's current values are "true" and "false" (feedgen only knows yes/no/clean).
    lxml.etree.SubElement(parent, f"{{{ITUNES_NS}}}explicit").text = "true" if value else "false"


class _PodcastIndexFeed(BaseExtension):  # type: ignore[misc]  # feedgen has no types
    """The podcast namespace, and the channel's itunes:explicit."""

    def __init__(self) -> None:
        self.explicit = False

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, feed):  # type: ignore[no-untyped-def]
        _explicit(feed[0], self.explicit)
        return feed


class _PodcastIndexEntry(BaseEntryExtension):  # type: ignore[misc]
    """<podcast:chapters> and <podcast:transcript> for an item, and its itunes:explicit."""

    def __init__(self) -> None:
        self.links: list[tuple[str, str, str]] = []  # (tag, url, type)
        self.explicit = False

    def add(self, tag: str, url: str, mime: str) -> None:
        self.links.append((tag, url, mime))

    def extend_rss(self, entry):  # type: ignore[no-untyped-def]
        _explicit(entry, self.explicit)
        for tag, url, mime in self.links:
            element = lxml.etree.SubElement(entry, f"{{{PODCAST_NS}}}{tag}")
            element.set("url", url)
            element.set("type", mime)
        return entry


def _write_feed(folder: Path) -> Path:
    show = load_show(folder)
    generator = FeedGenerator()
    generator.load_extension("podcast")
    generator.register_extension("podcastindex", _PodcastIndexFeed, _PodcastIndexEntry, atom=False)
    generator.title(_xml_text(show.title))
    generator.description(_xml_text(show.description or show.title))
    generator.link(href=show.base_url, rel="alternate")
    generator.language(show.language)
    generator.generator("audionews")
    generator.podcast.itunes_image(show.url(show.image))
    generator.podcast.itunes_category(show.category)
    generator.podcastindex.explicit = show.explicit
    if show.author:
        generator.podcast.itunes_author(_xml_text(show.author))
    if show.email:  # itunes:owner needs an e-mail (feedgen refuses an owner without one)
        generator.podcast.itunes_owner(name=_xml_text(show.author or show.title), email=show.email)
    generator.podcast.itunes_summary(_xml_text(show.description or show.title))
    listed = episodes(folder)
    # feedgen puts the most recently added entry first: add the oldest first.
    for episode in reversed(listed):
        entry = generator.add_entry()
        relative = f"{EPISODES}/{episode.mp3.name}"
        entry.id(episode.guid)
        entry.guid(episode.guid, permalink=False)
        entry.title(_xml_text(episode.title))
        entry.description(_xml_text(episode.description))
        entry.pubDate(email.utils.format_datetime(episode.published))
        entry.enclosure(show.url(relative), str(episode.length), "audio/mpeg")
        if episode.page is not None:
            entry.link(href=show.url(f"{EPISODES}/{episode.page.name}"))
        entry.podcast.itunes_duration(episode.duration_s)
        if episode.author:
            entry.podcast.itunes_author(_xml_text(episode.author))
        entry.podcastindex.explicit = show.explicit
        for mime, path in episode.side_files.items():
            tag = "chapters" if mime == "application/json+chapters" else "transcript"
            entry.podcastindex.add(tag, show.url(f"{EPISODES}/{path.name}"), mime)
    feed_path = folder / "feed.xml"
    with atomic_files({"feed": feed_path}) as partial:
        generator.rss_file(str(partial["feed"]), pretty=True, encoding="UTF-8")
    return feed_path


def feed_summary(folder: Path) -> list[dict[str, object]]:
    """The feed's episodes, newest first, as ``feed list --json`` prints them."""
    load_show(folder)
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
    """``build --feed DIR``: the episode is built into DIR/episodes and added to the feed."""

    key = "feed"

    def wanted(self, options: BuildOptions) -> bool:
        return options.feed is not None

    def check(self, options: BuildOptions) -> None:
        assert options.feed is not None
        load_show(options.feed)  # a missing or broken feed is found before any work

    def folder(self, options: BuildOptions, out_dir: Path) -> Path:
        assert options.feed is not None
        return options.feed / EPISODES

    def publish(self, context: OutputContext, files: Mapping[str, Path]) -> dict[str, object]:
        feed = context.prepared.options.feed
        assert feed is not None
        added = add_episode(feed, files["mp3"])
        return {"feed": str(feed / "feed.xml"), "guid": added.guid}


OUTPUT = _Publish()
