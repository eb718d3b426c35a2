"""Make src/audionews/data/first_names.tsv from nomquamgender's name data (run by hand).

    pip download --no-deps nomquamgender==0.1.4 && unzip nomquamgender-*.whl
    python scripts/make_first_names.py nomquamgender/name_data.json

nomquamgender (Van Buskirk et al., 2022, MIT licence) gives, for 720,000 first names
gathered from 36 sources, the share of bearers who are women, p(gf). Attribution only needs
the names borne by at least MIN_COUNT people: "f" or "m" when p(gf) is at most CLEAR or at
least 1 - CLEAR (then "she said" after "Celia Amundsen said …" can go to Celia Amundsen
without the article saying "Ms"), "?" otherwise (a first name all the same: "Gaël Moreau"
is a person, whose gender the article must say).
Names are kept as nomquamgender writes them: lower case, accents folded to ASCII.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

MIN_COUNT = 200
CLEAR = 0.1
OUT = Path(__file__).resolve().parents[1] / "src" / "audionews" / "data" / "first_names.tsv"

HEADER = """\
# First names: name<TAB>f, m, or ? (no clear gender). Made by scripts/make_first_names.py
# from nomquamgender 0.1.4 (Copyright (c) 2022 Ian Van Buskirk, MIT licence: the permission
# notice is in data/LICENSE-nomquamgender). Kept: borne by at least {count} people; f or m when
# at least {share:.0%} of them are women or men.
"""


def main(source: str) -> int:
    data = json.loads(Path(source).read_text(encoding="utf-8"))
    rows = []
    for name, (_sources, count, share_female, *_rest) in data.items():
        if not re.fullmatch(r"[a-z][a-z'\-]+", name) or count < MIN_COUNT:
            continue
        if share_female <= CLEAR:
            rows.append(f"{name}\tm")
        elif share_female >= 1 - CLEAR:
            rows.append(f"{name}\tf")
        else:
            rows.append(f"{name}\t?")
    OUT.write_text(
        HEADER.format(count=MIN_COUNT, share=1 - CLEAR) + "\n".join(sorted(rows)) + "\n",
        encoding="utf-8",
    )
    print(f"{OUT}: {len(rows)} names", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
