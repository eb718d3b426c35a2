"""Measure `audionews build` against the floor on one article, runs interleaved.

    scripts/bench [ARTICLE] [RUNS]    build against the floor (default: the seed article)
    scripts/bench clips [RUNS]        clip --all on an episode of 20 minutes or more


The floor (DESIGN.md) is what doing no structuring at all costs:
    espeak-ng -f article.txt -w a.wav
    ffmpeg -i a.wav -ar 44100 -ac 1 -codec:a libmp3lame -b:a 96k a.mp3
Both are run as a user would run them, alternately, so machine noise hits both alike.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_efd6572f11c91c59.txt"
EXAMPLE = ROOT / "examples" / "harbour-flood-barrier.txt"


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def long_article(path: Path, minutes: float) -> Path:
    """An article of our own example's sections repeated until it reads for ``minutes``."""
    lines = EXAMPLE.read_text().splitlines()
    body = lines[4:]  # after title, pull quote, byline and date
    # About 150 words a minute is what the default profile reads, pauses included.
    words_needed = minutes * 150
    parts = [lines[0] + " (Long Edition)"]
    part = 0
    while sum(len(p.split()) for p in parts) < words_needed:
        part += 1
        parts.append(f"Part {part}")
        parts.extend(line for line in body if line.strip())
    path.write_text("\n".join(parts) + "\n")
    return path


def bench_clips(runs: int) -> None:
    """Time `clip --all` (re-encoded and lossless) on an episode of at least 20 minutes."""
    audionews = str(ROOT / ".venv" / "bin" / "audionews")
    with tempfile.TemporaryDirectory() as work:
        article = long_article(Path(work) / "long.txt", 20)
        out = Path(work) / "out"
        subprocess.run(
            [audionews, "build", str(article), "-o", str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        episode = next(out.glob("*.mp3"))
        probe = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-show_entries",
                "format=duration",
                "-of",
                "csv=p=0",
                str(episode),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        chapters = subprocess.run(
            [audionews, "chapters", str(episode)], capture_output=True, text=True, check=True
        ).stdout.count("\n")
        reencoded, lossless = [], []
        for run in range(runs):
            reencoded.append(
                timed([audionews, "clip", str(episode), "--all", "-o", f"{work}/clips{run}"])
            )
            lossless.append(
                timed(
                    [
                        audionews,
                        "clip",
                        str(episode),
                        "--all",
                        "--lossless",
                        "-o",
                        f"{work}/lossless{run}",
                    ]
                )
            )
    minutes = float(probe.stdout) / 60
    print(f"episode: {minutes:.1f} min, {chapters} chapters, {runs} runs each")
    print(
        f"clip --all             median {statistics.median(reencoded):6.2f} s  "
        f"runs {', '.join(f'{t:.2f}' for t in reencoded)}"
    )
    print(
        f"clip --all --lossless  median {statistics.median(lossless):6.2f} s  "
        f"runs {', '.join(f'{t:.2f}' for t in lossless)}"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "clips":
        bench_clips(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
        return
    article = Path(sys.argv[1]) if len(sys.argv) > 1 else (SEED if SEED.exists() else EXAMPLE)
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    audionews = str(ROOT / ".venv" / "bin" / "audionews")
    floor_times: list[float] = []
    build_times: list[float] = []
    with tempfile.TemporaryDirectory() as work:
        wav, mp3 = f"{work}/a.wav", f"{work}/a.mp3"
        floor = [
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
        build = [audionews, "build", str(article), "-o", f"{work}/out"]
        timed(build)  # warm the page cache and Python's bytecode once, for both alike
        for _ in range(runs):
            floor_times.append(sum(timed(step) for step in floor))
            build_times.append(timed(build))
    floor_median = statistics.median(floor_times)
    build_median = statistics.median(build_times)
    print(f"article: {article} ({len(article.read_text().split())} words), {runs} runs each")
    print(
        f"floor (espeak-ng + ffmpeg)  median {floor_median:6.2f} s  "
        f"runs {', '.join(f'{t:.2f}' for t in floor_times)}"
    )
    print(
        f"audionews build             median {build_median:6.2f} s  "
        f"runs {', '.join(f'{t:.2f}' for t in build_times)}"
    )
    print(f"ratio build / floor: {build_median / floor_median:.2f}")


if __name__ == "__main__":
    main()
