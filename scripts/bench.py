"""Measure `audionews build` against the floor on one article, runs interleaved.

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


def main() -> None:
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
