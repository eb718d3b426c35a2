"""The podcast feed, read back with feedparser and lxml."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import feedparser
import lxml.etree
import pytest
from click.testing import CliRunner

from audionews.cli import main
from audionews.errors import FeedError, SynthesisError
from audionews.outputs.feed import Show, add_episode, episodes, init_feed, remove_episode
from conftest import HARBOUR, SEED, Built, ffprobe, tone_mp3

BASE = "https://example.org/harbour"
NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
}


def tone(path: Path, title: str, date: dt.date | None = None, seconds: int = 3) -> Path:
    return tone_mp3(path, title, date, seconds)


@pytest.fixture
def feed_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "feed"
    init_feed(
        folder,
        Show(
            title="Harbour Briefings",
            base_url=BASE,
            description="Local news",
            author="Harbour Desk",
            email="desk@example.org",
            language="en-GB",
            category="News",
        ),
    )
    return folder


def parse(folder: Path):
    parsed = feedparser.parse(str(folder / "feed.xml"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


@pytest.mark.e2e
def test_feed_of_real_episodes(
    request: pytest.FixtureRequest, feed_dir: Path, harbour: Built, ferry: Built
):
    # The session's real episodes, added as a producer adds an episode built before; the
    # one-command "build --feed" path is test_pipeline's, with the same code after the build.
    built = [harbour, ferry]
    if SEED.exists():
        built.append(request.getfixturevalue("seed"))
    for episode in built:
        result = CliRunner().invoke(main, ["feed", "add", str(feed_dir), str(episode.mp3)])
        assert result.exit_code == 0, result.stderr
    parsed = parse(feed_dir)
    channel = parsed.feed
    assert (channel.title, channel.language, channel.link) == ("Harbour Briefings", "en-GB", BASE)
    assert channel.subtitle == "Local news"
    assert channel.image.href == f"{BASE}/cover.jpg"
    xml = lxml.etree.parse(str(feed_dir / "feed.xml"))
    assert xml.findtext("channel/itunes:explicit", namespaces=NS) == "false"
    assert xml.find("channel/itunes:category", namespaces=NS).get("text") == "News"
    assert xml.findtext("channel/itunes:author", namespaces=NS) == "Harbour Desk"
    assert xml.findtext("channel/itunes:owner/itunes:email", namespaces=NS) == "desk@example.org"
    assert ffprobe(feed_dir / "cover.jpg", "-show_streams")["streams"][0]["width"] == 1400

    entries = parsed.entries
    assert len(entries) == len(built)
    published = [e.published_parsed for e in entries]
    assert published == sorted(published, reverse=True)
    for entry, item in zip(entries, xml.findall("channel/item"), strict=True):
        (enclosure,) = [link for link in entry.links if link.rel == "enclosure"]
        mp3 = feed_dir / "episodes" / Path(enclosure.href).name
        assert enclosure.href == f"{BASE}/episodes/{mp3.name}"
        assert (int(enclosure.length), enclosure.type) == (mp3.stat().st_size, "audio/mpeg")
        duration = float(ffprobe(mp3, "-show_format")["format"]["duration"])
        assert abs(int(entry.itunes_duration) - duration) <= 1
        assert email.utils.parsedate_to_datetime(entry.published)
        assert entry.id.startswith("urn:uuid:") and entry.summary
        assert item.find("podcast:chapters", NS).get("type") == "application/json+chapters"
        assert sorted(t.get("type") for t in item.findall("podcast:transcript", NS)) == [
            "application/x-subrip",
            "text/vtt",
        ]
        for link in [item.find("podcast:chapters", NS), *item.findall("podcast:transcript", NS)]:
            assert (feed_dir / "episodes" / Path(link.get("url")).name).is_file()
        # The item's link is the episode page, copied beside the episode.
        assert entry.link == f"{BASE}/episodes/{mp3.with_suffix('.html').name}"
        assert mp3.with_suffix(".html").is_file()
    harbour_entry = next(e for e in entries if e.title.startswith("Port Callow"))
    assert harbour_entry.published == "Sat, 03 Oct 2026 06:00:00 +0000"
    assert (
        harbour_entry.id == ffprobe(harbour.mp3, "-show_format")["format"]["tags"]["audionews:guid"]
    )

    # Adding the same article again replaces its episode, with the same guid.
    guids = [e.id for e in entries]
    again = CliRunner().invoke(main, ["feed", "add", str(feed_dir), str(harbour.mp3)])
    assert again.exit_code == 0, again.stderr
    assert [e.id for e in parse(feed_dir).entries] == guids


def test_build_into_a_feed_through_the_command(tmp_path: Path, feed_dir: Path, tone_engine):
    runner = CliRunner()
    arguments = ["build", str(HARBOUR), "--feed", str(feed_dir), "--json"]
    first = runner.invoke(main, arguments)
    assert first.exit_code == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["feed"] == str(feed_dir / "feed.xml")
    assert Path(summary["mp3"]).parent == feed_dir / "episodes"
    again = json.loads(runner.invoke(main, arguments).stdout)
    (entry,) = parse(feed_dir).entries
    assert entry.id == summary["guid"] == again["guid"]


def test_re_add_replaces_and_remove_deletes_files(tmp_path: Path, feed_dir: Path):
    first = tone(tmp_path / "a.mp3", "Tide Tables", dt.date(2026, 5, 1))
    (tmp_path / "a.vtt").write_text("WEBVTT\n")
    add_episode(feed_dir, first)
    add_episode(feed_dir, first)
    # The same article built again under another file name is still the same episode.
    again = tone(tmp_path / "renamed.mp3", "Tide Tables", dt.date(2026, 5, 1), seconds=4)
    add_episode(feed_dir, again)
    listed = episodes(feed_dir)
    # Files in a feed are named after the episode's title, once per guid: a re-add keeps the
    # name (listeners' links stay good), with the new audio, and the transcript the new build
    # lacks is gone (it would describe the old audio).
    assert [e.mp3.name for e in listed] == ["tide-tables.mp3"]
    assert listed[0].duration_s == 4 and listed[0].side_files == {}
    assert sorted(p.name for p in (feed_dir / "episodes").iterdir()) == ["tide-tables.mp3"]
    remove_episode(feed_dir, listed[0].guid)
    assert list((feed_dir / "episodes").iterdir()) == []
    assert parse(feed_dir).entries == []


@pytest.mark.parametrize(
    "title",
    [
        pytest.param("Fish & Chips <Special> \"Quoted\" 'single' ]]> end", id="markup"),
        pytest.param("Control\x0bcharacters and emoji 🎉", id="controls-emoji"),
    ],
)
def test_hostile_titles_stay_valid(tmp_path: Path, feed_dir: Path, title: str):
    add_episode(feed_dir, tone(tmp_path / "h.mp3", title, dt.date(2026, 1, 2)))
    (entry,) = parse(feed_dir).entries
    assert entry.title == title.replace("\x0b", "")


def _add(arguments: tuple[str, str]) -> None:
    folder, mp3 = arguments
    add_episode(Path(folder), Path(mp3))


def test_concurrent_adds_keep_every_episode(tmp_path: Path, feed_dir: Path):
    files = [
        tone(tmp_path / f"e{n}.mp3", f"Episode {n}", dt.date(2026, 1, n + 1), seconds=1)
        for n in range(8)
    ]
    for _round in range(2):
        with ProcessPoolExecutor(4) as pool:
            list(pool.map(_add, [(str(feed_dir), str(f)) for f in files]))
        assert len(parse(feed_dir).entries) == 8
    assert sorted(e.title for e in parse(feed_dir).entries) == [f"Episode {n}" for n in range(8)]


def test_cli_init_list_remove(tmp_path: Path):
    runner = CliRunner()
    folder = tmp_path / "show"
    result = runner.invoke(
        main,
        [
            "feed",
            "init",
            str(folder),
            "--title",
            "Show",
            "--base-url",
            "https://example.org/s",
            "--explicit",
        ],
    )
    assert result.exit_code == 0, result.output
    add_episode(folder, tone(tmp_path / "x.mp3", "Storm Warning", dt.date(2026, 2, 3)))
    listed = json.loads(runner.invoke(main, ["feed", "list", str(folder), "--json"]).output)
    assert [item["title"] for item in listed] == ["Storm Warning"]
    xml = lxml.etree.parse(str(folder / "feed.xml"))
    assert xml.findtext("channel/itunes:explicit", namespaces=NS) == "true"
    removed = runner.invoke(main, ["feed", "remove", str(folder), listed[0]["guid"]])
    assert removed.exit_code == 0
    assert json.loads(runner.invoke(main, ["feed", "list", str(folder), "--json"]).output) == []


def test_feed_errors(tmp_path: Path):
    with pytest.raises(FeedError, match="must start with https://"):
        init_feed(tmp_path / "f", Show(title="S", base_url="ftp://x"))
    assert not (tmp_path / "f").exists()
    with pytest.raises(FeedError, match="is not a feed folder"):
        add_episode(tmp_path, tone(tmp_path / "y.mp3", "Y"))
    for command in (["remove", str(tmp_path), "urn:x"], ["list", str(tmp_path)]):
        result = CliRunner().invoke(main, ["feed", *command])
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == (
            f"audionews: {tmp_path} is not a feed folder (no show.toml); "
            "run 'audionews feed init'\n"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["y.mp3"]


def test_feed_init_title_with_control_characters_reads_back(tmp_path: Path):
    folder = tmp_path / "show"
    title = 'Tide "Report"\x0b\\ and more'
    runner = CliRunner()
    init = runner.invoke(
        main, ["feed", "init", str(folder), "--title", title, "--base-url", BASE, "--author", "A"]
    )
    assert init.exit_code == 0, init.stderr
    listed = runner.invoke(main, ["feed", "list", str(folder), "--json"])
    assert (listed.exit_code, json.loads(listed.stdout)) == (0, [])
    assert parse(folder).feed.title == 'Tide "Report"\\ and more'  # XML cannot carry \x0b


def test_a_failed_build_into_a_feed_leaves_no_folder_behind(
    tmp_path: Path, feed_dir: Path, tone_engine, monkeypatch: pytest.MonkeyPatch
):
    runner = CliRunner()
    built = runner.invoke(main, ["build", str(HARBOUR), "--feed", str(feed_dir)])
    assert built.exit_code == 0, built.stderr
    before = sorted(p.relative_to(feed_dir) for p in feed_dir.rglob("*"))
    out = tmp_path / "out"
    kept = runner.invoke(main, ["build", str(HARBOUR), "-o", str(out)])
    assert kept.exit_code == 0, kept.stderr
    episode = next(out.glob("*.mp3"))

    def fails(*args: object, **kwargs: object) -> None:
        raise SynthesisError("espeak-ng stopped giving audio")

    monkeypatch.setattr(tone_engine, "synthesize", fails)
    for arguments in (["--feed", str(feed_dir)], ["-o", str(out)]):
        failed = runner.invoke(main, ["build", str(HARBOUR), "--force", *arguments])
        assert failed.exit_code == 1
        assert "espeak-ng stopped giving audio" in failed.stderr
    # The build's own folder in the feed went with it; the feed is as it was.
    assert sorted(p.relative_to(feed_dir) for p in feed_dir.rglob("*")) == before
    assert not list(feed_dir.glob(".audionews-build-*"))
    # A folder the caller named is never removed, nor the episode in it.
    assert episode.is_file()
