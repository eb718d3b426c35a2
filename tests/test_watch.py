"""`audionews watch`: built at the start, built again on every save however it is saved, a bad
save reported and survived; and, end to end, the real command with real speech."""

from __future__ import annotations

import json
import os
import queue
import signal
import stat
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import webvtt

from audionews.batch import BatchStatus
from audionews.options import BuildOptions
from audionews.watch import WatchResult, watch
from conftest import audio_cli, ffprobe, terminal_ctrl_c

ARTICLE = """\
Harbour Lights Return to the Old Quay

By Mara Quist

The lamps along the old quay were lit again on Friday after a winter in storage.

Workers cleaned each glass by hand before the first tide of the evening.

Why It Matters

Fishing crews said the light helps them find the channel on dark mornings.
"""
TITLE_SLUG = "harbour-lights-return-to-the-old-quay"


class Script:
    """``watch``'s stop(): each time it is asked, the next step is done (a save, a wait), and
    the watch ends when there are none left; what each build reported is kept."""

    def __init__(self, *steps: Callable[[], None]) -> None:
        self.steps = list(steps)
        self.results: list[WatchResult] = []

    def __call__(self) -> bool:
        if not self.steps:
            return True
        self.steps.pop(0)()
        return False

    def statuses(self) -> list[str]:
        return [r.status.value for r in self.results]


def idle() -> None:
    pass


def run(article_paths: list[Path], out: Path, script: Script, **kwargs) -> None:
    watch(article_paths, out, BuildOptions(), script.results.append, stop=script, **kwargs)


def test_built_at_start_then_on_each_save_and_left_alone_between(tmp_path: Path, tone_engine):
    article = tmp_path / "lights.txt"
    article.write_text(ARTICLE)
    edited = ARTICLE.replace("on Friday", "on Friday evening")

    def save_in_place() -> None:
        article.write_text(edited)

    def save_by_rename() -> None:  # how many editors save: a new file renamed over the old
        fresh = tmp_path / ".lights.txt.swp"
        fresh.write_text(edited.replace("by hand", "by hand, one by one"))
        os.replace(fresh, article)

    script = Script(idle, idle, save_in_place, idle, idle, save_by_rename, idle)
    run([article], tmp_path / "out", script)

    assert script.statuses() == ["built", "built", "built"]
    mp3 = tmp_path / "out" / f"{TITLE_SLUG}.mp3"
    assert [r.mp3 for r in script.results] == [mp3] * 3
    spoken = " ".join(tone_engine.texts)
    assert "on Friday evening" in spoken and "by hand, one by one" in spoken
    # The last build is the episode on disk, and its transcript has the last save's words.
    cues = " ".join(" ".join(c.text for c in webvtt.read(str(mp3.with_suffix(".vtt")))).split())
    assert "one by one" in cues
    assert float(ffprobe(mp3, "-show_format")["format"]["duration"]) == pytest.approx(
        script.results[-1].episode.track_duration_s, abs=0.06
    )


def test_an_unchanged_episode_is_not_built_again_unless_forced(tmp_path: Path, tone_engine):
    article = tmp_path / "lights.txt"
    article.write_text(ARTICLE)
    run([article], tmp_path, Script())
    spoken = len(tone_engine.texts)

    def touch() -> None:  # saved with nothing changed
        article.write_text(ARTICLE)

    script = Script(touch)
    run([article], tmp_path, script)
    assert script.statuses() == ["skipped", "skipped"]
    assert len(tone_engine.texts) == spoken
    forced = Script(touch)
    run([article], tmp_path, forced, force=True)
    assert forced.statuses() == ["built", "built"]


def test_a_bad_save_is_reported_and_the_last_good_episode_kept(tmp_path: Path, tone_engine):
    article = tmp_path / "lights.txt"
    article.write_text(ARTICLE)
    mp3 = tmp_path / f"{TITLE_SLUG}.mp3"
    kept: list[bytes] = []

    def break_it() -> None:
        kept.append(mp3.read_bytes())
        article.write_bytes(b"")  # an empty article cannot be built

    def delete_it() -> None:
        article.unlink()

    def fix_it() -> None:
        assert mp3.read_bytes() == kept[0]  # the failed builds touched nothing
        article.write_text(ARTICLE.replace("Friday", "Saturday"))

    script = Script(idle, break_it, idle, delete_it, idle, idle, fix_it, idle)
    run([article], tmp_path, script)

    assert script.statuses() == ["built", "failed", "failed", "built"]
    empty, gone = script.results[1], script.results[2]
    assert str(article) in empty.error and "\n" not in empty.error
    assert gone.error == f"{article}: not found (built again when it is back)"
    assert "on Saturday" in " ".join(tone_engine.texts)


def test_a_save_during_a_build_is_built_next(tmp_path: Path, tone_engine):
    article = tmp_path / "lights.txt"
    article.write_text(ARTICLE)
    from audionews import pipeline

    builds: list[str] = []

    def build(prepared, out_dir, **kwargs):
        builds.append(prepared.script.transcript())
        if len(builds) == 2:  # the editor saves again while this build runs
            article.write_text(ARTICLE.replace("dark mornings", "dark winter mornings"))
        return pipeline.build(prepared, out_dir, **kwargs)

    def save() -> None:
        article.write_text(ARTICLE.replace("dark mornings", "grey mornings"))

    script = Script(idle, save, idle, idle)
    run([article], tmp_path, script, build=build)
    # The episode built from the earlier save is keyed by what it was built from, so the
    # save made during its build is not taken as built: it is built next.
    assert script.statuses() == ["built", "built", "built"]
    assert ["grey" in b for b in builds] == [False, True, False]
    assert "dark winter mornings" in builds[2]
    cues = " ".join(c.text for c in webvtt.read(str(tmp_path / f"{TITLE_SLUG}.vtt")))
    assert "winter" in " ".join(cues.split())


def test_a_save_read_while_it_was_written_is_not_reported_but_built(
    tmp_path: Path, tone_engine, monkeypatch
):
    import audionews.watch

    article = tmp_path / "lights.txt"
    article.write_text(ARTICLE)
    real_prepare = audionews.watch.prepare

    def prepare(path, options):  # read between the editor's emptying and filling the file
        try:
            return real_prepare(path, options)
        finally:
            if path.read_bytes() == b"":
                path.write_text(ARTICLE.replace("dark mornings", "foggy mornings"))

    monkeypatch.setattr(audionews.watch, "prepare", prepare)

    def start_saving() -> None:
        article.write_bytes(b"")

    script = Script(idle, start_saving, idle, idle)
    run([article], tmp_path, script)
    assert script.statuses() == ["built", "built"]
    assert any("foggy mornings" in text for text in tone_engine.texts)


def test_two_articles_never_build_into_one_episode(tmp_path: Path, tone_engine):
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text(ARTICLE)
    second.write_text(ARTICLE.replace("Old Quay", "West Pier"))

    def retitle() -> None:  # the second article given the first one's title
        second.write_text(ARTICLE.replace("lit again", "lit once more"))

    script = Script(idle, retitle, idle)
    run([first, second], tmp_path, script)
    assert script.statuses() == ["built", "built", "failed"]
    assert script.results[2].error == (
        f"{second}: same title as {first}: both would be {TITLE_SLUG}.mp3"
    )
    assert "lit once more" not in " ".join(tone_engine.texts)


def test_an_article_kept_out_of_an_episode_is_built_when_the_clash_clears(
    tmp_path: Path, tone_engine
):
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text(ARTICLE)
    second.write_text(ARTICLE.replace("lit again", "lit once more"))  # the same title

    def retitle_the_first() -> None:
        first.write_text(ARTICLE.replace("Old Quay", "West Pier"))

    def delete_the_first() -> None:
        first.unlink()

    script = Script(idle, retitle_the_first, idle, idle)
    run([first, second], tmp_path / "a", script)
    assert script.statuses() == ["built", "failed", "built", "built"]
    assert [r.article for r in script.results[2:]] == [first, second]
    assert "lit once more" in " ".join(tone_engine.texts)

    first.write_text(ARTICLE)
    script = Script(idle, delete_the_first, idle, idle)
    run([first, second], tmp_path / "b", script)
    assert script.statuses() == ["built", "failed", "failed", "built"]
    assert script.results[3].article == second


def test_one_file_named_twice_is_watched_once(tmp_path: Path, tone_engine, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lights.txt").write_text(ARTICLE)
    (tmp_path / "link.txt").symlink_to(tmp_path / "lights.txt")
    names = [Path("lights.txt"), tmp_path / "lights.txt", Path("./lights.txt"), Path("link.txt")]
    script = Script(idle)
    run(names, tmp_path / "out", script)
    assert script.statuses() == ["built"] and script.results[0].article == Path("lights.txt")


def test_a_save_is_seen_however_it_changes_the_file(tmp_path: Path):
    from audionews.watch import signature

    article = tmp_path / "lights.txt"
    article.write_text(ARTICLE)
    before = signature(article)
    status = article.stat()
    # A same-size fix whose modification time is put back (or falls in the same tick of a
    # coarse file system): still a change.
    article.write_text(ARTICLE.replace("by hand", "by foot"))
    os.utime(article, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert article.stat().st_size == status.st_size
    assert signature(article) != before
    made_readable = signature(article)
    article.chmod(0o640 if stat.S_IMODE(status.st_mode) != 0o640 else 0o600)
    assert signature(article) != made_readable
    assert signature(tmp_path / "missing.txt") is None


def test_one_file_by_two_hard_links_is_watched_once(tmp_path: Path, tone_engine):
    (tmp_path / "lights.txt").write_text(ARTICLE)
    os.link(tmp_path / "lights.txt", tmp_path / "again.txt")
    script = Script()
    run([tmp_path / "lights.txt", tmp_path / "again.txt"], tmp_path / "out", script)
    assert script.statuses() == ["built"]


def test_a_feed_is_refused_before_any_build(tmp_path: Path, tone_engine):
    from audionews.errors import OptionError

    article = tmp_path / "lights.txt"
    article.write_text(ARTICLE)
    with pytest.raises(OptionError, match="watch publishes no feed"):
        watch([article], tmp_path, BuildOptions(feed=tmp_path / "feed"), print)
    assert tone_engine.texts == [] and not (tmp_path / "feed").exists()


def test_three_articles_swapping_titles_are_each_built_once_the_clash_clears(
    tmp_path: Path, tone_engine
):
    a, b, c = (tmp_path / f"{name}.txt" for name in "abc")
    x, y = "Old Quay", "West Pier"
    a.write_text(ARTICLE)
    b.write_text(ARTICLE.replace("lit again", "lit once more"))  # x too: kept out by a
    c.write_text(ARTICLE.replace(x, y))

    def a_to_y() -> None:  # kept out by c, and x is b's now
        a.write_text(ARTICLE.replace(x, y).replace("lit again", "lit by a"))

    def c_to_x() -> None:  # kept out by b, and lets y go: a is built
        c.write_text(ARTICLE.replace("lit again", "lit by c"))

    def c_to_z() -> None:
        c.write_text(ARTICLE.replace(x, "North Slip"))

    script = Script(idle, a_to_y, idle, c_to_x, idle, c_to_z, idle, idle)
    run([a, b, c], tmp_path, script)
    outcomes = [(r.article.name, r.status.value) for r in script.results]
    assert outcomes == [
        ("a.txt", "built"),
        ("b.txt", "failed"),
        ("c.txt", "built"),
        ("a.txt", "failed"),  # y is c's
        ("b.txt", "built"),  # x was let go by a
        ("c.txt", "failed"),  # x is b's, and y is let go
        ("a.txt", "built"),  # y
        ("c.txt", "built"),  # z
    ]
    spoken = " ".join(tone_engine.texts)
    assert "lit by a" in spoken and "lit by c" not in spoken


def test_notes_come_with_the_build(tmp_path: Path, tone_engine):
    article = tmp_path / "lights.txt"
    article.write_bytes(ARTICLE.replace("Friday", "\u201cFriday\u201d").encode("cp1252"))
    script = Script()
    run([article], tmp_path, script)
    assert script.statuses() == ["built"]
    assert any("Windows-1252" in note for note in script.results[0].notices)


def test_options_that_cannot_work_are_refused_before_any_build(tmp_path: Path, tone_engine):
    from audionews.errors import AudionewsError

    article = tmp_path / "lights.txt"
    article.write_text(ARTICLE)
    script = Script()
    with pytest.raises(AudionewsError, match="cannot use 7 kbps"):
        watch([article], tmp_path, BuildOptions(bitrate_kbps=7), script.results.append)
    assert script.results == [] and tone_engine.texts == []


# --- the real command -------------------------------------------------------------------------


class Watcher:
    """``audionews watch --json`` in a process of its own; its JSON lines read as they come
    (by a thread: two lines that come together are both taken)."""

    def __init__(self, *args: str) -> None:
        with terminal_ctrl_c():
            self.process = subprocess.Popen(
                [audio_cli(), "watch", *args, "--json"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
                # A watch that does not stop is shown where it is (SIGABRT dumps every thread).
                env={**os.environ, "PYTHONFAULTHANDLER": "1"},
            )
        self.lines: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put("")

    def next(self, timeout: float = 60) -> dict:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no build reported in time") from None
        assert line, "the watch ended"
        return json.loads(line)

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.send_signal(signal.SIGABRT)
            self.process.wait(timeout=10)
            raise AssertionError(f"the watch did not stop: {self.process.stderr.read()}") from None
        self.reader.join(timeout=10)
        return code, self.process.stderr.read()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=10)
        self.process.stdout.close()
        self.process.stderr.close()


def save(path: Path, text: str) -> None:
    """Save as most editors do: a new file renamed over the old one."""
    fresh = path.with_name(f".{path.name}.new")
    fresh.write_text(text)
    os.replace(fresh, path)


def test_watch_command_rebuilds_a_saved_article_with_real_speech(tmp_path: Path):
    article, out = tmp_path / "lights.txt", tmp_path / "out"
    article.write_text(ARTICLE)
    watcher = Watcher(str(article), "-o", str(out))
    try:
        first = watcher.next()
        assert first["status"] == "built"
        mp3 = Path(first["mp3"])
        before = mp3.read_bytes()

        article.write_text("")  # a bad save: reported, the episode kept
        failed = watcher.next()
        assert failed["status"] == "failed" and str(article) in failed["error"]
        assert mp3.read_bytes() == before

        saved = time.perf_counter()
        save(article, ARTICLE.replace("on Friday", "on Friday after a long delay"))
        second = watcher.next()
        waited = time.perf_counter() - saved
        after_second = mp3.read_bytes()

        # Stopped while it builds the next save (about 0.1 s after the save it is seen; the
        # build takes a few tenths): the episode is the last whole one, and nothing is left.
        save(article, ARTICLE.replace("on Friday", "on Friday after a short delay"))
        time.sleep(0.2)
        code, err = watcher.stop()
    finally:
        watcher.kill()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []
    if mp3.read_bytes() != after_second:  # the build was done before the stop: a whole one
        assert "short delay" in " ".join(
            " ".join(c.text for c in webvtt.read(second["vtt"])).split()
        )
        assert ffprobe(mp3, "-show_format")["format"]["format_name"] == "mp3"

    assert second["status"] == "built" and second["mp3"] == str(mp3)
    assert 0 < second["seconds"] < waited  # seen and built while the test waited
    # The new episode, read by others: its length, chapters and transcript are the new text's.
    probed = ffprobe(mp3, "-show_format", "-show_chapters")
    assert float(probed["format"]["duration"]) == pytest.approx(second["duration_s"], abs=0.06)
    assert [c["tags"]["title"] for c in probed["chapters"]] == [
        c["title"] for c in second["chapters"]
    ]
    assert second["duration_s"] > first["duration_s"]
    cues = " ".join(" ".join(c.text for c in webvtt.read(second["vtt"])).split())
    assert "after a long delay" in cues
    assert code == 0
    assert err.splitlines()[-1] == "audionews: stopped watching; every episode is as last built"
    # One line for each build, none for the stop's leftovers (objects of the stopped encoder).
    assert "Traceback" not in err and "leaked" not in err
    assert err.count("watching 1 article for changes") == 1
    assert f"audionews: cannot read {article}: the file is empty\n" in err


def test_watch_command_stopped_during_a_build_ends_well_on_a_line_of_its_own(
    tmp_path: Path, tone_engine, monkeypatch
):
    from click.testing import CliRunner

    from audionews import console
    from audionews.cli import main

    def stopped_while_building(prepared, out_dir, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("audionews.pipeline.build", stopped_while_building)
    article = tmp_path / "lights.txt"
    article.write_text(ARTICLE)
    result = CliRunner().invoke(main, ["watch", str(article), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0
    assert result.stderr == "audionews: stopped watching; every episode is as last built\n"
    # So the objects the stopped build still holds are not frozen at exit (and reported as
    # leaked by the encoder's bindings).
    assert console._stopped


def test_watch_command_refuses_a_folder(tmp_path: Path):
    done = subprocess.run(
        [audio_cli(), "watch", str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert done.stderr == f"audionews: {tmp_path} is a folder: watch takes article files\n"


def test_watch_result_summary_for_a_failure():
    result = WatchResult(Path("a.txt"), BatchStatus.FAILED, 0.25, error="a.txt: empty")
    assert result.summary() == {
        "article": "a.txt",
        "status": "failed",
        "seconds": 0.25,
        "error": "a.txt: empty",
    }
