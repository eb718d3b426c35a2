"""The pipeline in process, with synthetic speech standing in for espeak-ng (another stage):
prepare, the outputs registry, atomic writes, the up-to-date rule, dates, tags. The encoder,
ffprobe and feedparser are real."""

from __future__ import annotations

import datetime as dt
import errno
from pathlib import Path
from typing import ClassVar

import feedparser
import pytest

from audionews import outputs
from audionews.errors import EncodingError, OutputError
from audionews.files import Target
from audionews.options import BuildOptions, Rate
from audionews.outputs import Output, OutputContext
from audionews.outputs.feed import Show, episode_guid, init_feed, load_show
from audionews.pipeline import UpToDate, make, prepare
from audionews.text.script import Role
from conftest import HARBOUR, ToneEngine, ffprobe

pytestmark = pytest.mark.usefixtures("tone_engine")


def leftovers(folder: Path) -> list[str]:
    """Temporary files and folders a failed build might have left: there must be none."""
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith((".part", ".tmp")))


US_ARTICLE = """---
title: Ferry Fares Rise Again
language: en-US
date: 3/10/2026
---

Fares on the island ferry rose again this week.
"""


def test_a_us_date_is_spoken_tagged_and_published_alike(tmp_path: Path):
    article = tmp_path / "fares.md"
    article.write_text(US_ARTICLE)
    feed = tmp_path / "feed"
    init_feed(feed, Show(title="Harbour", base_url="https://example.org/h"))
    episode = make(article, tmp_path / "out", BuildOptions(feed=feed))
    assert not isinstance(episode, UpToDate)
    spoken = [s.spoken for s in episode.script.segments if s.text.startswith("Published")]
    assert spoken == ["Published the tenth of March twenty twenty-six."]
    tags = ffprobe(episode.mp3, "-show_format")["format"]["tags"]
    assert tags["date"] == "2026-03-10"
    guid = episode_guid("Ferry Fares Rise Again", dt.date(2026, 3, 10))
    assert tags["audionews:guid"] == guid == episode.published["guid"]
    (entry,) = feedparser.parse(str(feed / "feed.xml")).entries
    assert (entry.id, entry.published) == (guid, "Tue, 10 Mar 2026 06:00:00 +0000")
    assert episode.mp3.parent == feed / "episodes"


def test_an_unsigned_article_is_the_shows(tmp_path: Path):
    article = tmp_path / "notice.txt"
    article.write_text("Harbour Notice\nThe quay is closed on Sunday for repairs.\n")
    episode = make(article, tmp_path, BuildOptions(show="Harbour Briefings"))
    tags = ffprobe(episode.mp3, "-show_format")["format"]["tags"]
    assert (tags["artist"], tags["album"]) == ("Harbour Briefings", "Harbour Briefings")


def test_up_to_date_is_skipped_and_changes_are_rebuilt(tmp_path: Path, tone_engine: ToneEngine):
    article = tmp_path / "harbour.txt"
    article.write_text(HARBOUR.read_text())
    first = make(article, tmp_path / "out", skip_up_to_date=True)
    spoken = len(tone_engine.texts)
    again = make(article, tmp_path / "out", skip_up_to_date=True)
    assert again == UpToDate(first.mp3)
    assert len(tone_engine.texts) == spoken  # nothing synthesised
    faster = make(
        article, tmp_path / "out", BuildOptions(rate=Rate(1.2, True)), skip_up_to_date=True
    )
    assert not isinstance(faster, UpToDate)
    # A missing side file means the episode is not whole: it is built again.
    first.files["vtt"].unlink()
    assert not isinstance(make(article, tmp_path / "out", skip_up_to_date=True), UpToDate)


def test_clips_folder_is_written_whole_and_replaced_whole(tmp_path: Path):
    episode = make(HARBOUR, tmp_path, BuildOptions(clips=True))
    folder = episode.files["clips"]
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "01-port-callow-opens-its-tidal-flood-barrier-after-six-years-of.mp3",
        "02-how-the-barrier-works.mp3",
        "03-what-residents-were-promised.mp3",
        "04-what-happens-next.mp3",
    ]
    (folder / "99-stale.mp3").write_bytes(b"old")
    make(HARBOUR, tmp_path, BuildOptions(clips=True))
    assert sorted(p.name for p in folder.iterdir()) == names
    assert leftovers(tmp_path) == []


def test_failed_clips_build_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    calls = []

    def fail_second(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise EncodingError("ffmpeg failed: simulated")
        return real(*args, **kwargs)

    from audionews.outputs import clips

    real = clips.encode_mp3
    monkeypatch.setattr(clips, "encode_mp3", fail_second)
    with pytest.raises(EncodingError):
        make(HARBOUR, tmp_path / "out", BuildOptions(clips=True))
    assert list((tmp_path / "out").iterdir()) == []


def test_full_disk_leaves_the_earlier_episode_and_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    good = make(HARBOUR, tmp_path)
    before = {path: path.read_bytes() for path in good.files.values()}
    real_write = Path.write_text

    def full(self, *args, **kwargs):
        if self.name.endswith(".part"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OutputError, match="No space left on device"):
        make(HARBOUR, tmp_path)
    monkeypatch.undo()
    assert {path: path.read_bytes() for path in good.files.values()} == before
    assert leftovers(tmp_path) == []


class _Listing(Output):
    """An output as a later issue adds one: it declares a file and a folder and writes them
    from the context alone."""

    key = "listing"
    seen: ClassVar[list[OutputContext]] = []

    def targets(self, stem: Path) -> dict[str, Target]:
        return {
            "listing": Target(Path(f"{stem}.listing.txt")),
            "listing_dir": Target(Path(f"{stem}.listing"), folder=True),
        }

    def write(self, context: OutputContext) -> None:
        self.seen.append(context)
        lines = [f"{c.title} {c.start_ms}-{c.end_ms}" for c in context.chapters]
        context.paths["listing"].write_text("\n".join(lines))
        (context.paths["listing_dir"] / "mp3-name.txt").write_text(context.finals["mp3"].name)

    def publish(self, context: OutputContext, files) -> dict[str, object]:
        return {"listed": str(files["listing"])}


def test_an_output_plugs_in_without_build_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    registered = outputs.registered()
    monkeypatch.setattr(outputs, "registered", lambda: (*registered, _Listing()))
    episode = make(HARBOUR, tmp_path)
    listing = tmp_path / f"{episode.mp3.stem}.listing.txt"
    assert episode.files["listing"] == listing
    assert episode.summary()["listed"] == str(listing)
    assert listing.read_text().splitlines()[1].startswith("How the Barrier Works ")
    assert (tmp_path / f"{episode.mp3.stem}.listing" / "mp3-name.txt").read_text() == (
        episode.mp3.name
    )
    (context,) = _Listing.seen
    assert context.tags.title == context.article.title == context.script.title
    assert context.measured == episode.measured and context.preset.name == "podcast"
    assert sum(piece.size for piece in context.audio()) == context.track.samples.size
    assert context.timeline.duration_ms == round(episode.track_duration_s * 1000)


def test_prepare_settles_the_profile_for_language_and_rate(tmp_path: Path):
    prepared = prepare(HARBOUR, BuildOptions(rate=Rate(350)))
    narrator = prepared.profile.voice_for(Role.NARRATION)
    quote = prepared.profile.voice_for(Role.QUOTE)
    assert narrator.rate == 350
    base = prepare(HARBOUR).profile
    # Other voices and the pauses follow the narrator in proportion.
    factor = 350 / base.voice_for(Role.NARRATION).rate
    assert quote.rate == round(base.voice_for(Role.QUOTE).rate * factor)
    assert prepared.profile.pauses.sentence == round(base.pauses.sentence / factor)
    assert prepared.slug == "port-callow-opens-its-tidal-flood-barrier-after-six-years-of-work"
    french = tmp_path / "marche.md"
    french.write_text("---\ntitle: Le marché\nlanguage: fr\n---\n\nLe marché ouvre vendredi.\n")
    voices = {r.value: v.voice for r, v in prepare(french).profile.voices.items()}
    assert voices == {"narration": "fr", "quote": "fr+f3", "announcement": "fr"}


def test_a_feed_that_does_not_exist_is_refused_before_any_work(
    tmp_path: Path, tone_engine: ToneEngine
):
    with pytest.raises(Exception, match="is not a feed folder"):
        make(HARBOUR, tmp_path / "out", BuildOptions(feed=tmp_path / "nofeed"))
    assert tone_engine.texts == [] and not (tmp_path / "out").exists()


def test_show_with_control_characters_reads_back(tmp_path: Path):
    show = Show(title='Tide "Report"\x0b\\ [x]', base_url="https://example.org/t", author="A\nB")
    init_feed(tmp_path / "feed", show)
    assert load_show(tmp_path / "feed") == show
