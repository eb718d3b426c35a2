"""The distributed queue: `audionews worker`, `submit` and `status` over a real Redis.

Unit tests of the message format and the task id need no Redis. The rest runs Debian's
redis-server on a free loopback port and real `audionews worker` processes (real espeak-ng and
ffmpeg). The long multi-worker cases (20 articles, two workers, a pool process or a whole
worker killed mid-build) are marked slow; `.ci/run` runs them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import fields
from pathlib import Path

import feedparser
import numpy as np
import pytest

from audionews.distributed.messages import (
    ArticleTask,
    MessageError,
    options_from_json,
    options_to_json,
)
from audionews.ingest import ArticleFormat
from audionews.options import BuildOptions, Rate
from audionews.pipeline import build_key, prepare
from audionews.text.script import QuoteStyle
from conftest import decode, ffprobe, run_cli
from distributed_helpers import (
    REDIS_SERVER,
    RedisServer,
    Worker,
    session_members,
    tiny_article,
    until,
)

needs_redis = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server is not installed (scripts/setup installs it)"
)
SIDE_FILES = (".mp3", ".chapters.json", ".vtt", ".srt", ".document.json")
# A feed's episodes also get their page.
FEED_FILES = (*SIDE_FILES, ".html")


# --- the message and the task id (no Redis) ----------------------------------------------------


def every_option_changed() -> BuildOptions:
    return BuildOptions(
        voices="contrast",
        show="Morning Desk",
        quote_style=QuoteStyle.CUES,
        preset="broadcast",
        bitrate_kbps=128,
        sample_rate=48000,
        loudness_lufs=-20.5,
        rate=Rate(1.5, is_factor=True),
        article_format=ArticleFormat.MARKDOWN,
        jobs=3,
        lexicon=Path("/srv/shared/lexicon.toml"),
        clips=True,
        cache=False,
        cache_folder=Path("/srv/cache"),
        feed=Path("/srv/shared/feed"),
        page=True,
        daisy=True,
        epub=True,
        max_article_bytes=1 << 20,
    )


def test_every_build_option_travels_as_json_and_comes_back_equal():
    options = every_option_changed()
    default = BuildOptions()
    # Every field differs from its default, so a field lost on the way would show.
    unchanged = [
        f.name for f in fields(BuildOptions) if getattr(options, f.name) == getattr(default, f.name)
    ]
    assert unchanged == []
    wire = json.loads(json.dumps(options_to_json(options)))
    assert options_from_json(wire) == options
    assert options_from_json(json.loads(json.dumps(options_to_json(default)))) == default


def test_a_message_keeps_the_article_bytes_exactly():
    data = "Café\r\n".encode("cp1252") + bytes(range(256))
    task = ArticleTask("desk/café.txt", data, every_option_changed(), "/srv/out", True, "j1")
    message = json.loads(json.dumps(task.to_message()))
    back = ArticleTask.from_message(message)
    assert back == task and back.data == data
    assert back.file_name == "café.txt"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"format": 99}, "message format 99"),
        ({"data": "not base64!"}, "malformed"),
        ({"options": {"voices": "default", "speed": 2}}, "unknown build option 'speed'"),
        ({"options": {"bitrate_kbps": "loud"}}, "'loud' is not a int"),
    ],
)
def test_a_message_a_worker_cannot_read_is_refused(change: dict, error: str):
    message = ArticleTask("a.txt", b"Title\n\nText.", BuildOptions(), "/out").to_message()
    with pytest.raises(MessageError, match=error):
        ArticleTask.from_message({**message, **change})


def test_the_file_name_a_worker_writes_is_never_a_path():
    for article, name in [("../../etc/passwd", "passwd"), ("..", "article"), ("/", "article")]:
        assert ArticleTask(article, b"x", BuildOptions(), "/out").file_name == name


def test_task_id_is_the_episode_build_key_and_where_it_goes(tmp_path: Path):
    article = tiny_article(tmp_path, 1)
    data = article.read_bytes()
    task = ArticleTask(str(article), data, BuildOptions(), "/srv/out")
    # The key is the one the built MP3 carries in its audionews:build_key tag.
    assert task.key == build_key(prepare(article, BuildOptions(), for_speech=False))
    assert task.task_id.startswith(task.key + "-")

    def task_id(**change: object) -> str:
        fields_ = {"article": "elsewhere/x.txt", "data": data, "options": BuildOptions()}
        fields_ |= {"out_dir": "/srv/out"} | change
        return ArticleTask(**fields_).task_id  # type: ignore[arg-type]

    same = task_id()
    assert same == task.task_id  # the path the submitter named does not matter, the bytes do
    assert task_id(job="other", force=True) == same
    assert task_id(options=BuildOptions(jobs=2, cache=False)) == same  # how, not what
    different = [
        task_id(data=data + b" "),
        task_id(options=BuildOptions(preset="broadcast")),
        task_id(options=BuildOptions(voices="contrast")),
        task_id(options=BuildOptions(quote_style=QuoteStyle.BOTH)),
        task_id(out_dir="/srv/other"),
        task_id(options=BuildOptions(feed=Path("/srv/feed"))),
    ]
    assert len({same, *different}) == len(different) + 1


def test_limits_keep_a_running_build_from_being_handed_out_twice():
    from audionews.distributed.queue import Limits
    from audionews.errors import OptionError

    limits = Limits.of(600)
    assert (limits.soft_s, limits.hard_s) == (600, 630)
    assert limits.visibility_s > limits.hard_s
    assert Limits.of(10, 20).transport_options() == {
        "visibility_timeout": 20,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
    with pytest.raises(OptionError, match="must be longer than the hard time limit"):
        Limits.of(600, 620)


def test_broker_url_is_shown_without_its_password():
    from audionews.distributed.broker import redact

    assert redact("redis://:s3cret@queue.example:6379/2") == "redis://:***@queue.example:6379/2"
    assert redact("redis://desk:s3cret@queue/0") == "redis://desk:***@queue/0"
    assert redact("redis://queue:6379/0") == "redis://queue:6379/0"


def test_a_second_broker_is_the_one_talked_to():
    # One process, two brokers in turn (a notebook; these tests): Celery makes its result
    # backend and connection pools once, so without forgetting them the second broker's
    # results were read from the first's port. Nothing here connects.
    from audionews.distributed import queue

    for port in (1111, 2222):
        queue.configure(f"redis://127.0.0.1:{port}/0")
        assert queue.app.backend.connparams["port"] == port
        with queue.app.connection_for_write() as connection:
            assert connection.port == port
        assert queue.app.pool.connection.port == port


HIDE_CELERY = (
    "import sys; sys.modules['celery'] = None; sys.argv[0] = 'audionews'; "
    "from audionews.cli import main; main()"
)


@pytest.mark.parametrize("command", [["worker"], ["submit", "a.txt"], ["status", "j1"]])
def test_without_the_extra_each_command_says_how_to_install_it(command: list[str]):
    # sys.modules[name] = None is how Python marks a module absent: import fails, find_spec
    # says None, exactly as without the package.
    result = subprocess.run(
        [sys.executable, "-c", HIDE_CELERY, *command, "--broker", "redis://127.0.0.1:1/0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "needs the optional extra audionews[distributed]" in result.stderr
    assert "pip install 'audionews[distributed]'" in result.stderr


def test_a_build_never_imports_celery():
    code = (
        "import sys; from audionews.cli import main; import audionews.batch; "
        "print(sorted(m for m in ('celery', 'kombu', 'redis') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


def test_no_broker_is_one_line(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "AUDIONEWS_BROKER"}
    result = run_cli("status", "j1", env=env, timeout=60)
    assert result.returncode == 1
    assert result.stderr == (
        "audionews: no broker: give --broker redis://HOST:6379/0 or set AUDIONEWS_BROKER\n"
    )


# --- a real Redis and a real worker ------------------------------------------------------------


@pytest.fixture(scope="module")
def queue_env(tmp_path_factory: pytest.TempPathFactory):
    """redis-server and one worker (two pool processes) for the quick cases."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (scripts/setup installs it as root)")
    folder = tmp_path_factory.mktemp("queue")
    server = RedisServer(folder)
    worker = Worker(server.url, "quick@test", folder, cache=folder / "cache", concurrency=2)
    try:
        yield server, worker.wait_ready()
    finally:
        worker.stop()
        server.stop()


def local_reason(article: Path, tmp_path: Path) -> str:
    """The one-line reason `audionews build` gives for a bad article on this machine."""
    result = run_cli("build", str(article), "-o", str(tmp_path / "local"), timeout=120)
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    return result.stderr.removeprefix("audionews: ").strip()


@pytest.mark.e2e
def test_submit_wait_builds_and_reports_bad_input_as_locally(tmp_path: Path, queue_env):
    server, worker = queue_env
    good = [tiny_article(tmp_path, n, "Quay Note") for n in (1, 2)]
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n\n   \n")
    missing = tmp_path / "missing.txt"
    out = tmp_path / "shared" / "out"
    started = time.monotonic()
    result = run_cli(
        "submit", *map(str, [*good, blank, missing]), "--broker", server.url, "-o", str(out),
        "--wait", "--json", timeout=180,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr  # an article failed
    summary = json.loads(result.stdout)
    by_article = {item["article"]: item for item in summary["articles"]}
    assert [by_article[str(p)]["status"] for p in good] == ["built", "built"]
    for bad in (blank, missing):
        reason = local_reason(bad, tmp_path)
        assert by_article[str(bad)]["status"] == "failed"
        assert by_article[str(bad)]["error"] == reason  # word for word what a local build says
        assert f"failed {bad}: {reason}" in result.stderr
    assert "[4/4]" in result.stderr and "2 built, 0 skipped, 2 failed" in result.stderr

    # The unreadable-but-present article was run once, on the worker, and not retried.
    blank_task = by_article[str(blank)]["task"]
    assert worker.received(blank_task) == 1
    assert by_article[str(blank)]["attempt"] == 1
    assert by_article[str(missing)]["task"] is None  # not even readable here: never queued

    for path in good:
        item = by_article[str(path)]
        mp3 = Path(item["mp3"])
        assert mp3.parent == out and {p.name for p in out.iterdir()} >= {
            mp3.stem + suffix for suffix in SIDE_FILES
        }
        probe = ffprobe(mp3, "-show_format", "-show_chapters")
        assert float(probe["format"]["duration"]) > 5 and len(probe["chapters"]) == 2
        tags = probe["format"]["tags"]
        assert tags["title"] == path.read_text().splitlines()[0]
        # The task's id is the build key the episode carries: same inputs, same task.
        assert item["task"].startswith(tags["audionews:build_key"] + "-")
    print(f"2 tiny articles through a real worker: {elapsed:.1f} s")

    # status, with the broker from the environment, tells the same story.
    env = {**os.environ, "AUDIONEWS_BROKER": server.url}
    status = run_cli("status", summary["job"], env=env, timeout=60)
    assert status.returncode == 1
    assert status.stderr.strip() == f"job {summary['job']}: 4/4 done: 2 built, 2 failed"
    lines = status.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["built", "built", "failed", "failed"]
    assert all(str(p) in status.stdout for p in [*good, blank, missing])


@pytest.mark.e2e
def test_duplicate_submit_builds_once(tmp_path: Path, queue_env):
    from audionews.distributed import queue

    server, worker = queue_env
    articles = [tiny_article(tmp_path, n, "Dock Note") for n in (1, 2)]
    out = tmp_path / "out"
    # Two submits of the same articles, the second while the first is queued or running.
    first = queue.submit(server.url, articles, out, BuildOptions())
    second = queue.submit(server.url, articles, out, BuildOptions())
    assert [q.sent for q in first.queued] == [True, True]
    assert [q.sent for q in second.queued] == [False, False]  # followed, not queued again
    assert [q.task_id for q in first.queued] == [q.task_id for q in second.queued]
    for job in (first.job, second.job):
        done = queue.wait(server.url, job, timeout_s=120)
        assert [o.state for o in done] == ["built", "built"]
    for q in first.queued:
        assert worker.received(q.task_id) == 1  # one message, one build
    mp3s = sorted(out.glob("*.mp3"))
    assert len(mp3s) == 2
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.iterdir()}

    # Once they are built, the same submit finds them up to date and writes nothing.
    again = run_cli(
        "submit", *map(str, articles), "--broker", server.url, "-o", str(out), "--wait",
        timeout=120,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "0 built, 2 skipped, 0 failed" in again.stderr
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.iterdir()} == before


@pytest.mark.e2e
@needs_redis
def test_broker_down_is_one_line_at_once(tmp_path: Path):
    server = RedisServer(tmp_path)
    url = server.url
    server.stop()
    article = tiny_article(tmp_path, 1)
    for command in (
        ["submit", str(article), "-o", str(tmp_path / "out"), "--wait"],
        ["status", "0123456789ab"],
        ["worker"],
    ):
        started = time.monotonic()
        result = run_cli(*command, "--broker", url, timeout=60)
        elapsed = time.monotonic() - started
        assert result.returncode == 1, command
        assert result.stderr == (
            f"audionews: cannot reach the broker at {url}: Error 111 connecting to "
            f"127.0.0.1:{server.port}. Connection refused\n"
        ), command
        assert elapsed < 5, (command, elapsed)
    assert not (tmp_path / "out").exists()


# --- twenty articles, two workers, something killed (slow) ------------------------------------


@pytest.fixture(scope="module")
def worker_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workers' segment cache, shared by both workers (as on a shared folder) and kept
    between the slow cases; the local batch they are compared with reads it too."""
    return tmp_path_factory.mktemp("worker-cache")


def twenty(folder: Path, prefix: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [tiny_article(folder, n, prefix) for n in range(1, 21)]


def episode_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def expected_files(articles: list[Path], suffixes: tuple[str, ...] = SIDE_FILES) -> list[str]:
    from audionews.pipeline import slugify

    stems = [slugify(a.read_text().splitlines()[0]) for a in articles]
    return sorted(stem + suffix for stem in stems for suffix in suffixes)


def just_started(url: str, job: str, on: str | None = None, timeout_s: float = 60):
    """An article seen starting (on worker ``on``, if given): looked for every 50 ms, one that
    was not running at the previous look has a second or more of its build still to go."""
    from audionews.distributed import queue

    previous: set[str] | None = None

    def starting():
        nonlocal previous
        now = {o.task_id: o for o in queue.job_status(url, job) if o.state == "running"}
        fresh = [o for i, o in now.items() if previous is not None and i not in previous]
        previous = set(now)
        return next((o for o in fresh if on is None or o.result.get("worker") == on), None)

    return until(starting, timeout_s, f"an article starting on {on or 'a worker'}", poll_s=0.05)


@pytest.mark.e2e
@pytest.mark.slow
@needs_redis
def test_pool_process_killed_mid_build_every_episode_once_and_same_as_batch(
    tmp_path: Path, worker_cache: Path
):
    from audionews.distributed import queue

    server = RedisServer(tmp_path)
    articles = twenty(tmp_path / "articles", "Ferry Note")
    shared = tmp_path / "shared" / "out"
    workers = [Worker(server.url, f"{name}@test", tmp_path, cache=worker_cache) for name in "ab"]
    try:
        for worker in workers:
            worker.wait_ready()
        started = time.monotonic()
        submitted = queue.submit(server.url, articles, shared, BuildOptions())
        assert len(submitted.queued) == 20 and not submitted.refused

        killed = just_started(server.url, submitted.job)
        os.kill(killed.result["pid"], signal.SIGKILL)  # the pool process building it
        outcomes = queue.wait(server.url, submitted.job, timeout_s=300)
        elapsed = time.monotonic() - started
    finally:
        for worker in workers:
            worker.stop()  # also: nothing of a worker left running (orphaned synthesis, ffmpeg)
        server.stop()

    assert [o.state for o in outcomes] == ["built"] * 20, [o.summary() for o in outcomes]
    again = next(o for o in outcomes if o.task_id == killed.task_id)
    assert again.result["attempt"] == 2  # killed mid-build, built again
    logs = "".join(w.text() for w in workers)
    assert f"Task audionews.build[{killed.task_id}] retry" in logs
    assert "WorkerLostError" in logs
    # Every episode published exactly once: the twenty episodes' files, nothing else (no
    # partial file of the killed build, no second copy), each task succeeded once.
    assert episode_files(shared) == expected_files(articles)
    succeeded = [task for w in workers for task in w.succeeded()]
    assert sorted(succeeded) == sorted(q.task_id for q in submitted.queued)
    assert all(w.succeeded() for w in workers)  # both workers took their share
    print(f"20 articles, 2 workers, a pool process killed: {elapsed:.1f} s")

    # The same articles through a local batch: the same episodes, as far as espeak-ng allows.
    # Its audio for a sentence depends by a few samples on what the same engine spoke before
    # (measured in one pyttsx3 process, the same sentence after others in another order: up
    # to 3% in length, different samples), and builds running side by side share cache
    # entries, so two builds that hand sentences out differently never match to the sample.
    # What comes after synthesis must match: the same files, the same tags (loudness within
    # what the speech moves), the same words in the transcripts, chapters and lengths close.
    local = tmp_path / "local"
    batch = run_cli("batch", *map(str, articles), "-o", str(local), "--jobs", "2", timeout=600)
    assert batch.returncode == 0, batch.stderr
    assert episode_files(local) == episode_files(shared)
    identical = 0
    for mp3 in sorted(local.glob("*.mp3")):
        remote = shared / mp3.name
        ours, theirs = decode(mp3), decode(remote)
        assert abs(ours.size - theirs.size) <= 0.03 * theirs.size, mp3.name
        tags, other = (ffprobe(f, "-show_format")["format"]["tags"] for f in (mp3, remote))
        for key in ("audionews:loudness_lufs", "audionews:true_peak_dbtp"):
            assert abs(float(tags.pop(key)) - float(other.pop(key))) <= 0.3, (mp3.name, key)
        assert tags == other, mp3.name
        chapters = [json.loads(f.with_suffix(".chapters.json").read_text()) for f in (mp3, remote)]
        assert [[c["title"] for c in ch["chapters"]] for ch in chapters] == [
            [c["title"] for c in chapters[1]["chapters"]]
        ] * 2
        for suffix in (".vtt", ".srt"):
            words = [
                [
                    line
                    for line in f.with_suffix(suffix).read_text().splitlines()
                    if "-->" not in line
                ]
                for f in (mp3, remote)
            ]
            assert words[0] == words[1], (mp3.name, suffix)
        identical += np.array_equal(ours, theirs)
    print(f"decoded audio identical for {identical} of 20 episodes")


@pytest.mark.e2e
@pytest.mark.slow
@needs_redis
def test_whole_worker_killed_the_other_finishes_into_a_feed(tmp_path: Path, worker_cache: Path):
    from audionews.distributed import queue

    server = RedisServer(tmp_path)
    articles = twenty(tmp_path / "articles", "Pier Note")
    feed = tmp_path / "shared" / "feed"
    init = run_cli(
        "feed", "init", str(feed), "--title", "Pier Desk", "--base-url", "https://pod.example/pier",
        timeout=60,
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    # A short visibility timeout, so the dead worker's build is handed on within the test;
    # the time limit stays under it (10 s soft, 12 s hard, for builds of two seconds).
    limits = ("--time-limit", "10", "--visibility-timeout", "20")
    a, b = (
        Worker(server.url, f"{name}@test", tmp_path, *limits, cache=worker_cache)
        for name in ("doomed", "survivor")
    )
    try:
        a.wait_ready()
        b.wait_ready()
        options = BuildOptions(feed=feed)
        submitted = queue.submit(server.url, articles, tmp_path / "unused", options)
        lost = just_started(server.url, submitted.job, on=a.name)
        killed_at = time.monotonic()
        a.kill()
        until(lambda: not session_members(a.session), 20, "the killed worker's processes gone")
        outcomes = queue.wait(server.url, submitted.job, timeout_s=300)
        finished = time.monotonic()
    finally:
        a.stop()  # killed already, unless the test failed before: then it must not outlive it
        b.stop()
        server.stop()

    assert [o.state for o in outcomes] == ["built"] * 20, [o.summary() for o in outcomes]
    handed_on = next(o for o in outcomes if o.task_id == lost.task_id)
    assert handed_on.result["worker"] == b.name and handed_on.result["redelivered"] is True
    # Handed on by Redis once the visibility timeout had passed, not before.
    assert finished - killed_at >= 20
    assert b.received(lost.task_id) == 1

    # Nothing lost, nothing twice: twenty episodes in the feed, each file once.
    episodes = feed / "episodes"
    assert episode_files(episodes) == expected_files(articles, FEED_FILES)
    parsed = feedparser.parse((feed / "feed.xml").read_bytes())
    assert not parsed.bozo
    guids = [entry.id for entry in parsed.entries]
    assert len(guids) == 20 and len(set(guids)) == 20
    enclosures = [entry.enclosures[0].href for entry in parsed.entries]
    assert sorted(href.rsplit("/", 1)[1] for href in enclosures) == sorted(
        p.name for p in episodes.glob("*.mp3")
    )
    titles = sorted(entry.title for entry in parsed.entries)
    assert titles == sorted(a.read_text().splitlines()[0] for a in articles)
    print(f"whole worker killed: the other finished {finished - killed_at:.1f} s later")
