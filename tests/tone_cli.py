"""The audionews command in a process of its own, with the tone engine standing in for speech.

For tests of how the command behaves as a process (signals, killed parents, closed streams),
where the tone_engine fixture cannot reach: ``python tests/tone_cli.py batch …``.
AUDIONEWS_TONE_SECONDS makes each article's synthesis last that long (default 0).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from conftest import ToneEngine


class SlowToneEngine(ToneEngine):
    """The tone engine, taking AUDIONEWS_TONE_SECONDS per article as real speech would."""

    def synthesize(self, utterances, progress=None):
        deadline = time.monotonic() + float(os.environ.get("AUDIONEWS_TONE_SECONDS", "0"))
        while time.monotonic() < deadline:
            time.sleep(0.02)
        return super().synthesize(utterances, progress)


def main() -> None:
    import audionews.batch
    import audionews.pipeline

    audionews.pipeline.default_engine = lambda options: SlowToneEngine()
    audionews.pipeline.require_espeak = lambda: None
    audionews.batch.require_espeak = lambda: None
    from audionews.cli import main as command

    command(sys.argv[1:], prog_name="audionews")


if __name__ == "__main__":
    main()
