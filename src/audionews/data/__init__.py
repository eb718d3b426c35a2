"""The data files shipped inside the package, found the same way from a checkout or a wheel.

lexicon.toml        the built-in pronunciation lexicon
voices/NAME.toml    the built-in voice profiles (default, contrast)
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
LEXICON = FOLDER / "lexicon.toml"
VOICES = FOLDER / "voices"
