"""Speed and memory of audionews against the floor, measured side by side in one run.

    scripts/bench                 everything below, (a) to (d)
    scripts/bench seed [RUNS]     (a) the seed article (or our example without ../shared)
    scripts/bench long [RUNS]     (b) a 10,000-word article made from our examples, + memory
    scripts/bench batch [RUNS]    (c) 20 articles with --jobs 1 and --jobs 2
    scripts/bench edit [RUNS]     (d) a rebuild after a one-sentence edit against a cold build
    scripts/bench clips [RUNS]    clip --all on an episode of 20 minutes or more

The floor (DESIGN.md) is what doing no structuring at all costs:
    espeak-ng -f article.txt -w a.wav
    ffmpeg -i a.wav -ar 44100 -ac 1 -codec:a libmp3lame -b:a 96k a.mp3
Builds run with --force and --no-cache unless a case is about the cache, alternating with the
floor run so that noise on this shared machine hits both alike. Medians are printed.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_efd6572f11c91c59.txt"
EXAMPLES = ROOT / "examples"
EXAMPLE = EXAMPLES / "harbour-flood-barrier.txt"
AUDIONEWS = str(ROOT / ".venv" / "bin" / "audionews")
PCM_BYTES_PER_SECOND = 22050 * 2


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    return time.perf_counter() - start


def floor_command(article: Path, work: str) -> list[list[str]]:
    wav, mp3 = f"{work}/floor.wav", f"{work}/floor.mp3"
    return [
        ["espeak-ng", "-f", str(article), "-w", wav],
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            wav,
            "-ar",
            "44100",
            "-ac",
            "1",
            "-codec:a",
            "libmp3lame",
            "-b:a",
            "96k",
            mp3,
        ],
    ]


def audio_seconds(path: Path) -> float:
    """A file's duration as ffprobe reports it."""
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout)


def runs_text(times: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in times)


def body_lines(path: Path) -> list[str]:
    """An example article's body lines, without its title and metadata lines."""
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    return lines[4:] if path.suffix == ".txt" and "harbour" in path.name else lines[3:]


def long_article(path: Path, words: int) -> Path:
    """An article of our own examples' sections, repeated to ``words`` words."""
    parts = ["Harbour Towns Long Read: A Year on the Coast"]
    part = 0
    while sum(len(p.split()) for p in parts) < words:
        part += 1
        for example in (EXAMPLE, EXAMPLES / "library-hours.txt"):
            parts.append(f"Part {part}: {'Harbour' if example == EXAMPLE else 'Library'}")
            parts.extend(body_lines(example))
    path.write_text("\n".join(parts) + "\n")
    return path


def compare(article: Path, runs: int, label: str) -> tuple[float, float]:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as work:
        build = [AUDIONEWS, "build", str(article), "-o", f"{work}/out", "--force", "--no-cache"]
        timed(build, env)  # once to warm the page cache and bytecode, for both alike
        floors, builds = [], []
        for _ in range(runs):
            floors.append(sum(timed(step) for step in floor_command(article, work)))
            builds.append(timed(build, env))
    floor, ours = statistics.median(floors), statistics.median(builds)
    words = len(article.read_text().split())
    print(f"({label}) {article.name}: {words} words, {runs} runs each")
    print(f"    floor (espeak-ng + ffmpeg)  median {floor:7.2f} s   runs {runs_text(floors)}")
    print(f"    audionews build             median {ours:7.2f} s   runs {runs_text(builds)}")
    print(f"    ratio to the floor: {ours / floor:.2f}x")
    return floor, ours


def peak_memory(article: Path) -> None:
    """Peak resident memory of a build (any of its processes) against the size of its audio."""
    with tempfile.TemporaryDirectory() as work:
        probe = (
            "import resource, subprocess, sys; "
            "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, "
            "stderr=subprocess.DEVNULL); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                probe,
                AUDIONEWS,
                "build",
                str(article),
                "-o",
                f"{work}/out",
                "--force",
                "--no-cache",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        peak = int(out.strip()) * 1024
        mp3 = next(Path(f"{work}/out").glob("*.mp3"))
        duration = audio_seconds(mp3)
    pcm = duration * PCM_BYTES_PER_SECOND
    print(
        f"    audio {duration / 60:.1f} min = {pcm / 2**20:.0f} MiB as 22.05 kHz 16-bit PCM; "
        f"peak memory {peak / 2**20:.0f} MiB = {peak / pcm:.2f}x the audio"
    )


def bench_seed(runs: int) -> None:
    compare(SEED if SEED.exists() else EXAMPLE, runs, "a")


def bench_long(runs: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        article = long_article(Path(work) / "long-read.txt", 10_000)
        compare(article, runs, "b")
        peak_memory(article)


def batch_articles(folder: Path, count: int) -> list[Path]:
    sources = [EXAMPLE, EXAMPLES / "library-hours.txt"]
    made = []
    for number in range(count):
        source = sources[number % len(sources)]
        lines = source.read_text().splitlines()
        lines[0] = f"{lines[0]} (Edition {number + 1})"
        path = folder / f"article-{number + 1:02d}.txt"
        path.write_text("\n".join(lines) + "\n")
        made.append(path)
    return made


def bench_batch(runs: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        articles = batch_articles(Path(work), 20)
        results: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(runs):
            for jobs in (1, 2):
                results[jobs].append(
                    timed(
                        [
                            AUDIONEWS,
                            "batch",
                            *map(str, articles),
                            "-o",
                            f"{work}/out{jobs}",
                            "--jobs",
                            str(jobs),
                            "--force",
                            "--no-cache",
                        ]
                    )
                )
    one, two = statistics.median(results[1]), statistics.median(results[2])
    print(f"(c) batch of 20 articles, {runs} runs each")
    print(f"    --jobs 1   median {one:7.2f} s   runs {runs_text(results[1])}")
    print(f"    --jobs 2   median {two:7.2f} s   runs {runs_text(results[2])}")
    print(f"    speed-up with 2 jobs: {one / two:.2f}x")


def bench_edit(runs: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        article = Path(work) / "harbour.txt"
        original = EXAMPLE.read_text()
        colds, edits = [], []
        for run in range(runs):
            env = {**os.environ, "AUDIONEWS_CACHE": f"{work}/cache{run}"}
            article.write_text(original)
            colds.append(
                timed([AUDIONEWS, "build", str(article), "-o", f"{work}/out", "--force"], env)
            )
            edited = re.sub(r"in the rain\.", f"in the rain, at run {run}.", original)
            article.write_text(edited)
            edits.append(timed([AUDIONEWS, "build", str(article), "-o", f"{work}/out"], env))
    cold, edit = statistics.median(colds), statistics.median(edits)
    print(f"(d) rebuild after a one-sentence edit ({EXAMPLE.name}), {runs} runs each")
    print(f"    cold build (empty cache)   median {cold:6.2f} s   runs {runs_text(colds)}")
    print(f"    rebuild after the edit     median {edit:6.2f} s   runs {runs_text(edits)}")
    print(f"    ratio to the cold build: {edit / cold:.2f}x")


def bench_clips(runs: int) -> None:
    """Time `clip --all` (re-encoded and lossless) on an episode of at least 20 minutes."""
    with tempfile.TemporaryDirectory() as work:
        article = long_article(Path(work) / "long.txt", 3_000)
        out = Path(work) / "out"
        subprocess.run(
            [AUDIONEWS, "build", str(article), "-o", str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        episode = next(out.glob("*.mp3"))
        minutes = audio_seconds(episode) / 60
        chapters = subprocess.run(
            [AUDIONEWS, "chapters", str(episode)], capture_output=True, text=True, check=True
        ).stdout.count("\n")
        reencoded, lossless = [], []
        for run in range(runs):
            reencoded.append(
                timed([AUDIONEWS, "clip", str(episode), "--all", "-o", f"{work}/clips{run}"])
            )
            lossless.append(
                timed(
                    [
                        AUDIONEWS,
                        "clip",
                        str(episode),
                        "--all",
                        "--lossless",
                        "-o",
                        f"{work}/lossless{run}",
                    ]
                )
            )
    print(f"clips: episode {minutes:.1f} min, {chapters} chapters, {runs} runs each")
    print(
        f"    clip --all             median {statistics.median(reencoded):6.2f} s   "
        f"runs {runs_text(reencoded)}"
    )
    print(
        f"    clip --all --lossless  median {statistics.median(lossless):6.2f} s   "
        f"runs {runs_text(lossless)}"
    )


CASES = {
    "seed": (bench_seed, 5),
    "long": (bench_long, 3),
    "batch": (bench_batch, 2),
    "edit": (bench_edit, 3),
    "clips": (bench_clips, 3),
}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] not in CASES:
        sys.exit(f"bench: unknown case {sys.argv[1]!r} (cases: {', '.join(CASES)})")
    names = [sys.argv[1]] if len(sys.argv) > 1 else ["seed", "long", "batch", "edit"]
    for name in names:
        function, default_runs = CASES[name]
        runs = int(sys.argv[2]) if len(sys.argv) > 2 else default_runs
        function(runs)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
