"""The real things the distributed tests run: Debian's redis-server on a free loopback port,
`audionews worker` processes, tiny articles. Every wait here is bounded."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from conftest import audio_cli

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def until(condition: Callable[[], object], timeout_s: float, what: str, poll_s: float = 0.1):
    """Poll ``condition`` until it gives something true; fail the test after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s:.0f} s: {what}")
        time.sleep(poll_s)


class RedisServer:
    """redis-server on 127.0.0.1 and a free port, nothing saved to disk."""

    def __init__(self, folder: Path) -> None:
        assert REDIS_SERVER, "redis-server is not installed (scripts/setup installs it as root)"
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = folder / "redis.log"
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(folder)]
        with self.log.open("w") as log:  # the server has its own copy of the descriptor
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        until(self.answers, 10, f"redis-server answering on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


class Worker:
    """`audionews worker` in a session of its own, its log (stdout and stderr) in a file."""

    def __init__(
        self,
        url: str,
        name: str,
        folder: Path,
        *options: str,
        cache: Path | None = None,
        concurrency: int = 1,
    ) -> None:
        self.name = name
        self.log = folder / f"{name.split('@')[0]}.log"
        env = dict(os.environ)
        if cache is not None:
            env["AUDIONEWS_CACHE"] = str(cache)
        command = [audio_cli(), "worker", "--broker", url, "-n", name, "-c", str(concurrency)]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [*command, *options],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        self.session = self.process.pid

    def wait_ready(self, timeout_s: float = 60) -> Worker:
        until(
            lambda: " ready." in self.text() or self.process.poll() is not None,
            timeout_s,
            f"worker {self.name} ready",
        )
        assert self.process.poll() is None, self.text()
        return self

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def received(self, task_id: str) -> int:
        return len(
            re.findall(rf"Task audionews\.build\[{re.escape(task_id)}\] received", self.text())
        )

    def succeeded(self) -> list[str]:
        return re.findall(r"Task audionews\.build\[([^\]]+)\] succeeded", self.text())

    def kill(self) -> None:
        """SIGKILL the worker's main process: its pool processes die with it (Celery asks the
        kernel to kill them when their parent dies)."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then make sure nothing of the worker is left running."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        until(lambda: not session_members(self.session), 20, f"{self.name}'s processes gone")


def session_members(session: int) -> list[int]:
    """Processes still alive (not zombies) in a session: a worker's pool processes,
    synthesis workers and ffmpeg keep the session of the worker that started them."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[3]) == session:
            found.append(int(entry.name))
    return found


def tiny_article(folder: Path, number: int, prefix: str = "Harbour Note") -> Path:
    """A short article with what a real one has: a byline, a quotation with its speaker, a
    section heading and a list, so all three voices speak (a second or two to build)."""
    words = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
    path = folder / f"note-{number:02d}.txt"
    path.write_text(
        f"{prefix} {number}\n\nBy Ana Lima\n\n"
        f"The harbour board met on day {words[number % 10]} and agreed on {number + 2} new "
        f'benches. "We listened to the ferry crews," said Mayor Okafor.\n\n'
        "What Happens Next\n\n"
        f"- Work starts in week {number + 1}.\n- The pier stays open.\n"
    )
    return path
