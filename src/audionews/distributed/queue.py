"""The Celery side: one app, one task (a whole article build), the worker, submit and status.

Delivery (Celery 5.7 over Redis; the settings are in ``_SETTINGS`` and ``configure``):

- Late acknowledgement: a message is acknowledged when its build has finished, so a worker
  that dies mid-build leaves it unacknowledged. A pool process that dies (SIGKILL, the OOM
  killer) is noticed by its worker, which sends the task again (``task_retry_on_worker_lost``,
  at most ``WORKER_LOST_RETRIES`` times, so an article that kills its process every time ends
  as a failure instead of looping; ``task_reject_on_worker_lost`` requeues it if that send
  fails). A whole worker that dies acknowledges nothing: Redis hands its message to another
  worker once the visibility timeout has passed.
- The visibility timeout must be longer than the hard time limit, or a build still running
  would be handed to a second worker; ``Limits`` refuses settings that allow it.
- A build that hangs is stopped at the soft time limit (an exception inside the build, which
  removes its partial files) and killed at the hard one; either way it is reported as failed
  and not run again.
- One message at a time per pool process (prefetch multiplier 1): nothing waits in a worker
  while its visibility clock runs.
- Bad input is the task's result ("failed" with the same one-line reason as a local build),
  not an exception: it is acknowledged and never retried.

Idempotence: a task's id is its build key and destination (messages.py). ``submit`` queues a
task only when no message for that id is waiting or running (a marker in Redis, cleared by
the worker when the build ends), and a worker skips an episode already built from the same
inputs, as ``build`` does. A redelivered task builds again and its files are renamed over the
same names (pipeline.build's atomic files), or added to a feed under the feed's lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import hashlib
import json
import multiprocessing
import os
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import kombu.exceptions
import redis
from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_process_init

from audionews import outputs
from audionews.audio.cache import CachedEngine, SegmentCache
from audionews.audio.synth import Pyttsx3Engine, SpeechEngine
from audionews.distributed.broker import CONNECT_TIMEOUT_S, connect, reason, redact
from audionews.distributed.messages import ArticleTask, MessageError
from audionews.errors import AudionewsError, BrokerError, OptionError
from audionews.files import Target
from audionews.ingest.source import read_bytes
from audionews.options import BuildOptions
from audionews.pipeline import Episode, make, prepare, targets_of
from audionews.tools import require_espeak, require_ffmpeg

TASK = "audionews.build"
QUEUE = "audionews"  # not Celery's default "celery": another app on the same Redis never mixes
KEEP_S = 7 * 24 * 3600
"""How long jobs, results and markers are kept in Redis: a week of `audionews status`."""
WORKER_LOST_RETRIES = 2
DEFAULT_TIME_LIMIT_S = 1800
_JOB = "audionews:job:{}"
_QUEUED = "audionews:queued:{}"
_TITLE = "audionews:title:{}:{}"

# Settings every worker and submitter share; the broker and the limits come from configure().
_SETTINGS: dict[str, Any] = {
    "task_serializer": "json",
    "result_serializer": "json",
    "accept_content": ["json"],
    "task_default_queue": QUEUE,
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    "task_retry_on_worker_lost": True,
    # A time limit or a failure is acknowledged: the same article would fail again.
    "task_acks_on_failure_or_timeout": True,
    "task_track_started": True,  # STARTED with the worker and pool process, for `status`
    "worker_prefetch_multiplier": 1,
    # A new pool process (after one died) sets itself up while the others build; Celery's
    # 4 s for that is short on a busy machine, and one not up in time is killed again.
    "worker_proc_alive_timeout": 30.0,
    "worker_send_task_events": True,  # Flower shows the builds
    # Lost the broker: stop running builds, whose messages will be delivered again anyway.
    "worker_cancel_long_running_tasks_on_connection_loss": True,
    "result_expires": KEEP_S,
    "broker_connection_timeout": CONNECT_TIMEOUT_S,
    "broker_connection_retry_on_startup": False,  # the worker checked the broker itself
    "redis_socket_connect_timeout": CONNECT_TIMEOUT_S,
    "redis_backend_health_check_interval": 30,
    # A submit whose broker went away says so within seconds instead of retrying for long.
    "task_publish_retry_policy": {
        "max_retries": 2,
        "interval_start": 0.2,
        "interval_step": 0.5,
        "interval_max": 1.0,
    },
}

app = Celery("audionews", set_as_current=False)
app.conf.update(_SETTINGS)


@dataclass(frozen=True)
class Limits:
    """How long a build may take and how long Redis waits before handing an unacknowledged
    message to another worker.

    soft_s: the build is stopped cleanly (partial files removed) and reported failed.
    hard_s: the pool process is killed if the soft stop did not work.
    visibility_s: must exceed hard_s, or a build still running would run twice.
    """

    soft_s: int
    hard_s: int
    visibility_s: int

    @classmethod
    def of(cls, time_limit_s: int, visibility_s: int | None = None) -> Limits:
        if time_limit_s < 1:
            raise OptionError(f"time limit {time_limit_s} s: give at least 1 second")
        hard = time_limit_s + min(30, max(2, time_limit_s // 10))
        visibility = visibility_s if visibility_s is not None else max(3600, 2 * hard)
        if visibility <= hard:
            raise OptionError(
                f"visibility timeout {visibility} s must be longer than the hard time limit "
                f"({hard} s, from --time-limit {time_limit_s}): a build still running would be "
                "handed to a second worker"
            )
        return cls(time_limit_s, hard, visibility)

    def transport_options(self) -> dict[str, int]:
        # kombu sweeps for messages past their visibility timeout every interval * throttle
        # seconds (100 s by default); a short timeout needs a sweep as short to act.
        return {
            "visibility_timeout": self.visibility_s,
            "unacked_restore_interval": max(1, min(10, self.visibility_s // 20)),
            "unacked_restore_throttle": 1,
        }


def configure(url: str, limits: Limits | None = None) -> None:
    if app.conf.broker_url not in (None, url):
        _forget_broker()
    app.conf.update(broker_url=url, result_backend=url)
    if limits is not None:
        app.conf.update(
            task_soft_time_limit=limits.soft_s,
            task_time_limit=limits.hard_s,
            broker_transport_options=limits.transport_options(),
            result_backend_transport_options={},
        )


def _forget_broker() -> None:
    """Drop the connections Celery keeps to the broker configured before: its result
    backend and its connection and producer pools are made once and would go on talking to
    the old broker (a process that submits to two brokers: the tests, a notebook)."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    amqp = app.__dict__.get("amqp")  # a cached property, made on first use
    if amqp is not None:
        amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@contextlib.contextmanager
def _broker_errors(url: str) -> Iterator[None]:
    try:
        yield
    except (redis.RedisError, kombu.exceptions.OperationalError, OSError) as exc:
        raise BrokerError(f"lost the broker at {redact(url)}: {reason(exc)}") from None


# --- the worker ------------------------------------------------------------------------------


def run_worker(
    url: str,
    *,
    concurrency: int | None = None,
    name: str | None = None,
    limits: Limits | None = None,
    loglevel: str = "INFO",
) -> int:
    """Run a worker until it is stopped (SIGTERM: finish the builds under way, then stop);
    return its exit status. Everything that can be checked is checked before it starts."""
    limits = limits or Limits.of(DEFAULT_TIME_LIMIT_S)
    require_ffmpeg()
    require_espeak()
    connect(url)
    configure(url, limits)
    # Imported here, before the pool forks, so each pool process starts with them (scipy is
    # slow to import); submit and status never need them.
    import audionews.audio.loudness  # noqa: F401

    worker = app.Worker(
        hostname=name or f"audionews-{os.getpid()}@{socket.gethostname()}",
        pool_cls="prefork",
        concurrency=concurrency or os.cpu_count() or 1,
        loglevel=loglevel,
        queues=[QUEUE],
        without_mingle=True,  # nothing to synchronise: every worker has the same settings
        without_gossip=True,
    )
    worker.start()
    return int(worker.exitcode or 0)


@dataclass
class _Process:
    """What one pool process sets up once and every build in it reuses: the speech engine
    (behind the segment cache), the imports a build needs, a Redis client of its own."""

    engine: Pyttsx3Engine
    cached: dict[Path | None, SpeechEngine] = field(default_factory=dict)
    client: redis.Redis | None = None

    def engine_for(self, options: BuildOptions) -> SpeechEngine:
        if not options.cache:
            return self.engine
        if options.cache_folder not in self.cached:
            cache = SegmentCache(options.cache_folder)
            self.cached[options.cache_folder] = CachedEngine(self.engine, cache)
        return self.cached[options.cache_folder]

    def redis(self) -> redis.Redis:
        if self.client is None:
            self.client = redis.Redis.from_url(
                app.conf.broker_url, socket_connect_timeout=CONNECT_TIMEOUT_S
            )
        return self.client


_process: _Process | None = None


def _set_up_process(**_: object) -> None:
    """worker_process_init: runs once in each pool process, after the fork."""
    global _process
    # billiard marks pool processes daemonic and multiprocessing gives a daemonic process no
    # children, but synthesis forks a worker per voice (audio/synth.py). It always ends them
    # itself, and if this process is killed outright they read a closed pipe and exit.
    multiprocessing.current_process().daemon = False
    # One core's synthesis per article: the pool processes are the parallel work, as in batch.
    _process = _Process(Pyttsx3Engine(1))
    _process.engine_for(BuildOptions())


worker_process_init.connect(_set_up_process, weak=False)


def _build(self: Any, message: dict[str, Any]) -> dict[str, Any]:
    """The task: one whole article, as ``audionews build`` makes it (pipeline.make)."""
    started = time.perf_counter()
    request = self.request
    delivery = request.delivery_info or {}
    about = {
        "task": request.id,
        "worker": request.hostname,
        "pid": os.getpid(),
        "attempt": int(request.retries or 0) + 1,
        "redelivered": bool(delivery.get("redelivered", False)),
    }
    task = ArticleTask.from_message(message)
    process = _process or _Process(Pyttsx3Engine(1))
    client = process.redis()
    outcome: dict[str, Any]
    try:
        with tempfile.TemporaryDirectory(prefix="audionews-task-") as folder:
            path = Path(folder) / task.file_name
            path.write_bytes(task.data)
            again = about["attempt"] > 1 or about["redelivered"]
            try:
                outcome = _make(task, path, process, client, again)
            except AudionewsError as exc:
                outcome = _failed(str(exc).replace(str(path), task.article))
            except SoftTimeLimitExceeded:
                limit = app.conf.task_soft_time_limit
                outcome = _failed(f"stopped at the time limit ({limit} s); nothing was written")
            except Exception as exc:  # one broken article must not look like a lost worker
                outcome = _failed(f"internal error: {exc!r}")
    finally:
        client.delete(_QUEUED.format(request.id))
    return {
        "article": task.article,
        **outcome,
        "seconds": round(time.perf_counter() - started, 3),
        **about,
    }


def _make(
    task: ArticleTask, path: Path, process: _Process, client: redis.Redis, again: bool
) -> dict[str, Any]:
    options = replace(task.options, jobs=1)
    # Read once more before make() reads it: the title names the files, which two articles of
    # one job must not share, and which an earlier attempt may have left half-written.
    prepared = prepare(path, options, for_speech=False)
    folder = Path(task.out_dir)
    for output in outputs.wanted(options):
        folder = output.folder(options, folder)
    targets = targets_of(prepared, folder)
    if (clash := _title_clash(task, targets["mp3"].path, client)) is not None:
        return _failed(clash)
    if again:
        _remove_leftovers(targets.values())
    # As `build`: an up-to-date episode is skipped, but one for a feed is always published.
    skip = not task.force and options.feed is None
    made = make(
        path, task.out_dir, options, skip_up_to_date=skip, engine=process.engine_for(options)
    )
    if not isinstance(made, Episode):
        return {"status": "skipped", "mp3": str(made.mp3), "key": task.key}
    return {
        "status": "built",
        "mp3": str(made.mp3),
        "duration_s": round(made.track_duration_s, 3),
        "chapters": len(made.chapters),
        "notices": [n.replace(str(path), task.article) for n in made.notices],
        "key": task.key,
        **made.published,
    }


def _title_clash(task: ArticleTask, mp3: Path, client: redis.Redis) -> str | None:
    """Two articles of one job with the same title would write the same files: as in
    ``batch``, the second is refused rather than overwriting the first."""
    name = _TITLE.format(task.job, hashlib.sha256(str(mp3).encode()).hexdigest()[:16])
    mine = json.dumps([task.key, task.article])
    client.set(name, mine, nx=True, ex=KEEP_S)
    key, article = json.loads(client.get(name) or mine)
    if key == task.key:
        return None
    return f"same title as {article}: both would be {mp3.name}"


def _remove_leftovers(targets: Iterable[Target]) -> None:
    """The partial files of an earlier attempt of this task, whose process died before it
    could remove them (files.atomic_files names them .NAME.*.part beside the final name)."""
    for target in targets:
        for partial in target.path.parent.glob(f".{glob.escape(target.path.name)}.*.part"):
            if partial.is_dir():
                shutil.rmtree(partial, ignore_errors=True)
            else:
                partial.unlink(missing_ok=True)


def _failed(error: str) -> dict[str, Any]:
    return {"status": "failed", "error": error}


build_article = app.task(
    name=TASK,
    bind=True,
    max_retries=WORKER_LOST_RETRIES,
    default_retry_delay=0,  # a retry after a lost pool process starts at once (Celery: 3 min)
)(_build)


# --- submit and status -----------------------------------------------------------------------


@dataclass(frozen=True)
class Queued:
    """One article of a job: its task, and whether this submit sent it (False: the same
    build was already waiting or running, and the job follows that one)."""

    article: str
    task_id: str
    sent: bool


@dataclass(frozen=True)
class Submitted:
    """A job: its id, its articles' tasks, and the articles that could not even be read."""

    job: str
    queued: list[Queued]
    refused: list[Outcome]


@dataclass(frozen=True)
class Outcome:
    """Where one article of a job stands.

    state: queued, running, retrying, built, skipped or failed.
    result: the task's result (mp3, duration_s, chapters, seconds, error, worker, attempt...).
    """

    article: str
    task_id: str | None
    state: str
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.state in ("built", "skipped", "failed")

    @property
    def error(self) -> str | None:
        error = self.result.get("error")
        return str(error) if error else None

    def summary(self) -> dict[str, Any]:
        """The object ``submit --json`` and ``status --json`` print for this article."""
        keys = ("mp3", "duration_s", "chapters", "seconds", "worker", "attempt", "feed", "guid")
        return {
            "article": self.article,
            "task": self.task_id,
            "status": self.state,
            "error": self.error,
            **{key: self.result[key] for key in keys if key in self.result},
        }


def submit(
    url: str,
    articles: Sequence[Path],
    out_dir: Path,
    options: BuildOptions,
    *,
    force: bool = False,
) -> Submitted:
    """Queue one task per article; an article whose build is already queued or running is
    followed, not queued twice. Raises BrokerError, before anything is queued, when the
    broker cannot be reached."""
    client = connect(url)
    configure(url)
    job = uuid.uuid4().hex[:12]
    tasks: list[ArticleTask] = []
    refused: list[Outcome] = []
    for path in articles:
        try:
            data = read_bytes(path, options.max_article_bytes)
        except AudionewsError as exc:
            refused.append(Outcome(str(path), None, "failed", {"error": str(exc)}))
            continue
        tasks.append(ArticleTask(str(path), data, options, str(out_dir.absolute()), force, job))
    record = {
        "job": job,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "out_dir": str(out_dir.absolute()),
        "articles": [[t.article, t.task_id] for t in tasks]
        + [[o.article, None, o.error] for o in refused],
    }
    queued = []
    with _broker_errors(url):
        client.set(_JOB.format(job), json.dumps(record), ex=KEEP_S)
        for task in tasks:
            queued.append(Queued(task.article, task.task_id, _send(client, task)))
    return Submitted(job, queued, refused)


def _send(client: redis.Redis, task: ArticleTask) -> bool:
    marker = _QUEUED.format(task.task_id)
    if not client.set(marker, task.job, nx=True, ex=KEEP_S):
        state = app.AsyncResult(task.task_id).state
        if state not in ("SUCCESS", "FAILURE", "REVOKED"):
            return False  # waiting or running: this job follows it
        # Finished long ago but its marker was left (a hard time limit): queue it again.
        client.set(marker, task.job, ex=KEEP_S)
    # The result of an earlier run of the same task must not pass for this one's.
    app.AsyncResult(task.task_id).forget()
    app.send_task(TASK, args=[task.to_message()], task_id=task.task_id, queue=QUEUE)
    return True


def workers_answering(url: str, timeout_s: float = 1.0) -> int:
    """How many workers answer a ping (0: the tasks wait until one starts)."""
    configure(url)
    with _broker_errors(url):
        return len(app.control.ping(timeout=timeout_s) or [])


def job_status(url: str, job: str) -> list[Outcome]:
    """Where every article of ``job`` stands, from the broker's results in one read."""
    client = connect(url)
    configure(url)
    with _broker_errors(url):
        raw = client.get(_JOB.format(job))
        if raw is None:
            raise BrokerError(
                f"no job {job!r} at {redact(url)} (jobs are kept {KEEP_S // 86400} days)"
            )
        record = json.loads(raw)
        entries = record["articles"]
        ids = [entry[1] for entry in entries if entry[1]]
        metas = client.mget([app.backend.get_key_for_task(i) for i in ids]) if ids else []
    by_id = dict(zip(ids, metas, strict=True))
    found = []
    for article, task_id, *error in entries:
        if task_id is None:
            found.append(Outcome(article, None, "failed", {"error": error[0]}))
            continue
        meta = by_id[task_id]
        found.append(_outcome(article, task_id, json.loads(meta) if meta else None))
    return found


_LOST = {
    "TimeLimitExceeded": "killed at the hard time limit",
    "WorkerLostError": "the worker process building it died {attempts} times",
}


def _outcome(article: str, task_id: str, meta: dict[str, Any] | None) -> Outcome:
    if meta is None:
        return Outcome(article, task_id, "queued")
    status, result = meta.get("status"), meta.get("result")
    if status == "STARTED":
        info = result if isinstance(result, dict) else {}
        running = {"worker": info.get("hostname"), "pid": info.get("pid")}
        return Outcome(article, task_id, "running", running)
    if status == "RETRY":
        return Outcome(article, task_id, "retrying")
    if status == "SUCCESS" and isinstance(result, dict):
        return Outcome(article, task_id, str(result.get("status", "failed")), result)
    if status == "FAILURE":
        info = result if isinstance(result, dict) else {}
        kind = str(info.get("exc_type", "error"))
        text = _LOST.get(kind, "{kind}: {message}").format(
            attempts=WORKER_LOST_RETRIES + 1, kind=kind, message=info.get("exc_message")
        )
        return Outcome(article, task_id, "failed", {"error": text})
    return Outcome(article, task_id, "queued")


def wait(
    url: str,
    job: str,
    on_done: Callable[[Outcome], None] | None = None,
    *,
    poll_s: float = 0.5,
    timeout_s: float | None = None,
) -> list[Outcome]:
    """Wait until every article of ``job`` is built, skipped or failed; report each as it
    ends. With ``timeout_s``, BrokerError if they are not all done by then."""
    reported: set[int] = set()
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while True:
        outcomes = job_status(url, job)
        for index, outcome in enumerate(outcomes):
            if outcome.done and index not in reported:
                reported.add(index)
                if on_done:
                    on_done(outcome)
        if all(o.done for o in outcomes):
            return outcomes
        if deadline is not None and time.monotonic() > deadline:
            left = sum(not o.done for o in outcomes)
            raise BrokerError(f"job {job}: {left} articles not done after {timeout_s:.0f} s")
        time.sleep(poll_s)


__all__ = [
    "QUEUE",
    "TASK",
    "Limits",
    "MessageError",
    "Outcome",
    "Queued",
    "Submitted",
    "build_article",
    "configure",
    "connect",
    "job_status",
    "redact",
    "run_worker",
    "submit",
    "wait",
    "workers_answering",
]
