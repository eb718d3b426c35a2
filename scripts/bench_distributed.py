"""The queue's cost: 20 articles through Celery workers over Redis against a local batch.

    scripts/bench distributed [RUNS]     (default 3 runs of each)

The same 20 articles as ``scripts/bench batch`` (made from our examples by bench.py) go
  - through ``audionews submit --wait`` to 2 workers of 1 pool process each (``audionews
    worker -c 1``), both on this machine, against
  - ``audionews batch --jobs 2`` of the same articles,
alternately (the order swapped each run, so drift on this shared machine hits both alike),
every build with --force and --no-cache. Medians are printed, then the queue's overhead (the
submit's wall time over the batch's) and the throughput a newsroom gets per worker core:
articles a minute and minutes of audio a wall-clock minute.

Both commands are timed whole, start-up included, as a user waits for them. A worker is
started once and kept (that is how workers run), so its start-up and each pool process's
engine set-up are not in the submit's time; the batch pays its own start-up every run.

redis-server (Debian's) runs on a free loopback port in a temporary folder, saving nothing;
it, the workers and every file are gone at the end, whatever happens. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # scripts/bench.py: how its batch case makes the articles, and its timing helpers

ARTICLES = 20
WORKERS = 2
COMMAND_TIMEOUT_S = 1200  # one batch or one submit of the 20 articles; a few minutes here


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench distributed: not within {timeout_s:.0f} s: {what}")
        time.sleep(0.1)


def redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def start_redis(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--dir", str(folder)]
    with (folder / "redis.log").open("w") as log:
        server = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    until(lambda: redis_answers(port) or server.poll() is not None, 10, "redis-server up")
    if server.poll() is not None:
        raise SystemExit(f"bench distributed: redis-server did not start: see {folder}/redis.log")
    return server, f"redis://127.0.0.1:{port}/0"


def start_worker(url: str, name: str, folder: Path, env: dict[str, str]) -> subprocess.Popen:
    log_path = folder / f"{name}.log"
    command = [bench.AUDIONEWS, "worker", "--broker", url, "-c", "1", "-n", f"{name}@bench"]
    with log_path.open("w") as log:
        return subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # its pool process, synthesis and ffmpeg in its session
        )


def wait_ready(worker: subprocess.Popen, log: Path) -> None:
    until(
        lambda: " ready." in log.read_text(errors="replace") or worker.poll() is not None,
        90,
        f"worker ready ({log})",
    )
    if worker.poll() is not None:
        raise SystemExit(f"bench distributed: a worker stopped: {log.read_text()[-2000:]}")


def stop(process: subprocess.Popen, grace_s: float) -> None:
    """SIGTERM (a worker finishes what it is building, then stops), then SIGKILL its whole
    session if it is still there."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace_s)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # anything of its session left behind
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        print(f"bench distributed: process {process.pid} did not stop", file=sys.stderr)


def run_batch(articles: list[Path], out: Path, env: dict[str, str]) -> float:
    command = [
        *(bench.AUDIONEWS, "batch", *map(str, articles), "-o", str(out)),
        *("--jobs", str(WORKERS), "--force", "--no-cache"),
    ]
    started = time.perf_counter()
    subprocess.run(
        command,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        timeout=COMMAND_TIMEOUT_S,
    )
    return time.perf_counter() - started


def run_submit(
    articles: list[Path], out: Path, url: str, env: dict[str, str]
) -> tuple[float, list[dict]]:
    command = [
        *(bench.AUDIONEWS, "submit", *map(str, articles), "--broker", url, "-o", str(out)),
        *("--wait", "--json", "--force", "--no-cache"),
    ]
    started = time.perf_counter()
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=env,
        timeout=COMMAND_TIMEOUT_S,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"bench distributed: submit failed: {result.stderr[-2000:]}")
    items = json.loads(result.stdout)["articles"]
    states = [item["status"] for item in items]
    # --force: every article really built, not skipped as up to date, and by both workers.
    if states != ["built"] * ARTICLES:
        raise SystemExit(f"bench distributed: not all built: {states}")
    return elapsed, items


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    load = os.getloadavg()
    print(
        f"audionews bench distributed, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} "
        f"cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the start"
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="audionews-bench-queue-") as temp:
        work = Path(temp)
        (work / "articles").mkdir()
        articles = bench.batch_articles(work / "articles", ARTICLES)
        env = bench.build_env()
        env["AUDIONEWS_CACHE"] = str(work / "cache")  # --no-cache anyway; never the user's
        env.pop("AUDIONEWS_BROKER", None)
        server, url = start_redis(work)
        workers: list[subprocess.Popen] = []
        try:
            for letter in "ab"[:WORKERS]:
                workers.append(start_worker(url, f"worker-{letter}", work, env))
            for letter, worker in zip("ab", workers, strict=False):
                wait_ready(worker, work / f"worker-{letter}.log")
            # Once each, untimed: bytecode, the page cache, each worker's first build.
            run_batch(articles, work / "batch", env)
            run_submit(articles, work / "queue", url, env)
            batches: list[float] = []
            queued: list[float] = []
            last: list[dict] = []
            for run in range(runs):
                if run % 2 == 0:
                    batches.append(run_batch(articles, work / "batch", env))
                    elapsed, last = run_submit(articles, work / "queue", url, env)
                    queued.append(elapsed)
                else:
                    elapsed, last = run_submit(articles, work / "queue", url, env)
                    queued.append(elapsed)
                    batches.append(run_batch(articles, work / "batch", env))
            per_worker: dict[str, int] = {}
            for item in last:
                per_worker[item["worker"]] = per_worker.get(item["worker"], 0) + 1
            build_s = sum(float(item["seconds"]) for item in last)
            mp3s = sorted((work / "queue").glob("*.mp3"))
            if len(mp3s) != ARTICLES:
                raise SystemExit(f"bench distributed: {len(mp3s)} episodes, not {ARTICLES}")
            audio_s = sum(bench.audio_seconds(mp3) for mp3 in mp3s)
        finally:
            for worker in workers:
                stop(worker, 60)
            stop(server, 10)

    batch, queue = statistics.median(batches), statistics.median(queued)
    cores = WORKERS  # 2 workers of 1 pool process each
    print(
        f"{ARTICLES} articles ({audio_s / 60:.1f} min of audio), {WORKERS} workers of 1 pool "
        f"process each against batch --jobs {WORKERS}, {runs} runs each, alternately"
    )
    for label, median, times in (
        (f"batch --jobs {WORKERS}", batch, batches),
        (f"submit --wait, {WORKERS} workers", queue, queued),
    ):
        print(f"    {label:26s} median {median:7.2f} s   runs {bench.runs_text(times)}")
    print(
        f"    overhead of the queue: {queue / batch:.2f}x the batch's time "
        f"({queue - batch:+.2f} s for {ARTICLES} articles, {(queue - batch) / ARTICLES:+.3f} s "
        "an article)"
    )
    print(
        f"    last queued run: articles per worker {per_worker}; the pool processes were "
        f"building {build_s / (cores * queued[-1]):.0%} of its wall time "
        f"({build_s:.1f} s of builds in {queued[-1]:.1f} s x {cores})"
    )
    for label, seconds in (("queue", queue), ("batch", batch)):
        minutes = seconds / 60
        print(
            f"    throughput ({label}): {ARTICLES / minutes:5.1f} articles/min in all, per worker "
            f"core {ARTICLES / minutes / cores:5.1f} articles/min and "
            f"{audio_s / 60 / minutes / cores:5.2f} min of audio per wall-clock minute"
        )
    load = os.getloadavg()
    print(
        f"took {time.perf_counter() - started:.0f} s; load average at the end "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


if __name__ == "__main__":
    main()
