"""Voice profiles: which espeak-ng voice speaks each role, how fast, and the pauses between.

A profile is a TOML file: a built-in one (``audionews/data/voices/``), one in a ``voices/``
folder of the current directory or ``AUDIONEWS_VOICES``, or any path::

    description = "US English narrator, female quote voice, British announcer"

    [narrator]          # also [quote] and [announcer]
    voice = "en-us"     # an espeak-ng voice, optionally "+variant" (en-us+f3)
    rate = 175          # words a minute
    pitch = 50          # 0-100
    volume = 1.0        # 0.0-2.0

    [pauses]            # milliseconds of silence after each kind of segment
    sentence = 300
    paragraph = 700

    [lexicon]           # pronunciations for this profile: written = spoken
    Callow = "Kal-oh"

    [languages.fr]      # voices for French articles (default: espeak-ng's "fr" + role variant)
    narrator = "fr"
    quote = "fr+f3"
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import os
import re
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from audionews import data
from audionews.errors import SynthesisError, VoiceProfileError
from audionews.options import DEFAULT_PROFILE
from audionews.text.script import Pauses, Role
from audionews.text.speech.lexicon import Lexicon, parse_lexicon
from audionews.tools import run_espeak

# A pause longer than a minute is a typing error, never a listener's wish.
PAUSE_MAX_MS = 60_000
ROLE_TABLES = {Role.NARRATION: "narrator", Role.QUOTE: "quote", Role.ANNOUNCEMENT: "announcer"}


@dataclass(frozen=True)
class Voice:
    """How one role sounds.

    voice: espeak-ng voice name, optionally with a variant ("en-us+f3").
    rate: speaking rate in words a minute, as espeak-ng takes it.
    pitch: 0 to 100, 50 being the voice's own.
    volume: 0.0 to 2.0, 1.0 being the voice's own.
    """

    voice: str
    rate: int = 175
    pitch: int = 50
    volume: float = 1.0


@dataclass(frozen=True)
class VoiceProfile:
    """A named set of voices, one per role, and the pauses between segments."""

    name: str
    voices: dict[Role, Voice]
    pauses: Pauses
    description: str = ""
    path: Path | None = None
    lexicon: Lexicon = field(default_factory=Lexicon)
    languages: dict[str, dict[str, str]] = field(default_factory=dict)

    def voice_for(self, role: Role) -> Voice:
        return self.voices[role]

    def summary(self) -> dict[str, object]:
        """The profile as ``audionews voices --json`` lists it."""
        return {
            "name": self.name,
            "description": self.description,
            "path": str(self.path),
            "roles": {ROLE_TABLES[role]: voice.voice for role, voice in self.voices.items()},
        }

    def for_language(self, language: str) -> tuple[VoiceProfile, str | None]:
        """This profile's voices for an article in ``language``, and a notice if it fell back.

        English articles keep the profile's voices. For another language each role takes the
        profile's ``[languages.CODE]`` voice when it names one, else espeak-ng's voice for
        that language with the role's own variant (en-us+f3 becomes fr+f3), so quotes still
        sound different from narration.
        """
        code = (language or "en").lower()
        base = code.split("-")[0]
        if base == "en":
            return self, None
        mapped = self.languages.get(code) or self.languages.get(base) or {}
        installed = installed_voices().voices
        language_voice = next((c for c in (code, base) if c in installed), None)
        if language_voice is None and not mapped:
            return self, f"no espeak-ng voice for language {language!r}: read with English voices"
        voices = {}
        for role, voice in self.voices.items():
            chosen = mapped.get(ROLE_TABLES[role])
            if chosen is None:
                _, _, variant = voice.voice.partition("+")
                chosen = f"{language_voice}+{variant}" if variant else str(language_voice)
            voices[role] = Voice(chosen, voice.rate, voice.pitch, voice.volume)
        return dataclasses.replace(self, voices=voices), None

    def with_rate(self, words_per_minute: int) -> VoiceProfile:
        """The same profile at another narrator rate; other roles and pauses scale alike."""
        factor = words_per_minute / self.voices[Role.NARRATION].rate
        voices = {
            role: Voice(v.voice, round(v.rate * factor), v.pitch, v.volume)
            for role, v in self.voices.items()
        }
        return dataclasses.replace(self, voices=voices, pauses=self.pauses.scaled(1 / factor))


def profile_folders() -> list[Path]:
    """Where profiles are looked for by name, first match wins."""
    folders = []
    if env := os.environ.get("AUDIONEWS_VOICES"):
        folders.append(Path(env))
    folders.append(Path.cwd() / "voices")
    # The built-in profiles, shipped inside the package (found in a wheel install too).
    folders.append(data.VOICES)
    return folders


def find_profile(name: str) -> Path:
    """The file of the profile called ``name``, or ``name`` itself when it is a path."""
    candidate = Path(name)
    if candidate.suffix == ".toml" or os.sep in name:
        if candidate.is_file():
            return candidate
        raise VoiceProfileError(f"voice profile {name}: no such file")
    for folder in profile_folders():
        path = folder / f"{name}.toml"
        if path.is_file():
            return path
    known = sorted(
        {p.stem for folder in profile_folders() if folder.is_dir() for p in folder.glob("*.toml")}
    )
    hint = f" (profiles: {', '.join(known)})" if known else ""
    raise VoiceProfileError(f"unknown voice profile {name!r}{hint}")


def load_profile(name: str = DEFAULT_PROFILE, *, check_installed: bool = True) -> VoiceProfile:
    """Load a profile by name or path and, unless told not to, check its voices exist."""
    path = find_profile(name)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise VoiceProfileError(f"voice profile {path}: cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise VoiceProfileError(f"voice profile {path}: not valid TOML ({exc})") from None
    profile = _parse_profile(path, data)
    if check_installed:
        for role, voice in profile.voices.items():
            check_voice(voice.voice, f"voice profile {path} [{ROLE_TABLES[role]}]")
    return profile


def _parse_profile(path: Path, data: dict[str, object]) -> VoiceProfile:
    voices: dict[Role, Voice] = {}
    for role, table in ROLE_TABLES.items():
        section = data.get(table)
        if not isinstance(section, dict) or "voice" not in section:
            raise VoiceProfileError(f"voice profile {path}: [{table}] needs a voice")
        unknown = set(section) - {f.name for f in fields(Voice)}
        if unknown:
            raise VoiceProfileError(
                f"voice profile {path}: [{table}] has unknown keys: {', '.join(sorted(unknown))}"
            )
        try:
            voice = Voice(
                voice=str(section["voice"]),
                rate=int(section.get("rate", 175)),
                pitch=int(section.get("pitch", 50)),
                volume=float(section.get("volume", 1.0)),
            )
        except (TypeError, ValueError, OverflowError) as exc:  # rate = 1e400 is infinity
            raise VoiceProfileError(f"voice profile {path}: [{table}] {exc}") from None
        if not 80 <= voice.rate <= 500:
            raise VoiceProfileError(f"voice profile {path}: [{table}] rate must be 80-500")
        if not 0 <= voice.pitch <= 100:
            raise VoiceProfileError(f"voice profile {path}: [{table}] pitch must be 0-100")
        if not 0.0 <= voice.volume <= 2.0:
            raise VoiceProfileError(f"voice profile {path}: [{table}] volume must be 0-2")
        voices[role] = voice

    pause_table = data.get("pauses", {})
    if not isinstance(pause_table, dict):
        raise VoiceProfileError(f"voice profile {path}: [pauses] must be a table")
    known_pauses = {f.name for f in fields(Pauses)}
    unknown = set(pause_table) - known_pauses
    if unknown:
        raise VoiceProfileError(
            f"voice profile {path}: [pauses] has unknown keys: {', '.join(sorted(unknown))}"
        )
    try:
        pauses = Pauses(**{key: int(value) for key, value in pause_table.items()})
    except (TypeError, ValueError, OverflowError) as exc:
        raise VoiceProfileError(f"voice profile {path}: [pauses] {exc}") from None
    # Found here, not after the whole synthesis as a track too long to hold.
    for name, value in asdict(pauses).items():
        if not 0 <= value <= PAUSE_MAX_MS:
            raise VoiceProfileError(
                f"voice profile {path}: [pauses] {name} must be 0-{PAUSE_MAX_MS} ms"
            )
    lexicon_table = data.get("lexicon", {})
    if not isinstance(lexicon_table, dict):
        raise VoiceProfileError(f"voice profile {path}: [lexicon] must be a table")
    # A profile's [lexicon] is a [words] table of its own: written = spoken.
    lexicon = parse_lexicon({"words": lexicon_table}, f"voice profile {path} [lexicon]")
    languages = data.get("languages", {})
    if not isinstance(languages, dict) or not all(
        isinstance(table, dict)
        and set(table) <= set(ROLE_TABLES.values())
        and all(isinstance(v, str) for v in table.values())
        for table in languages.values()
    ):
        raise VoiceProfileError(
            f"voice profile {path}: [languages.CODE] tables map narrator, quote and announcer "
            "to espeak-ng voices"
        )
    return VoiceProfile(
        path.stem,
        voices,
        pauses,
        str(data.get("description", "")),
        path,
        lexicon,
        {code.lower(): table for code, table in languages.items()},
    )


@dataclass(frozen=True)
class InstalledVoices:
    """What espeak-ng has installed: voice names (any spelling it accepts) and variants."""

    voices: frozenset[str]
    variants: frozenset[str]


@functools.cache
def installed_voices() -> InstalledVoices:
    """Ask espeak-ng which voices and variants it has (both at once: each run is mostly
    espeak-ng starting, tens of milliseconds before every build)."""
    with ThreadPoolExecutor(2) as pool:
        voices, variants = pool.map(_espeak_listing, ["--voices", "--voices=variant"])
    return InstalledVoices(
        frozenset(_voice_names(voices)),
        frozenset(_voice_names(variants, variants=True)),
    )


def _espeak_listing(flag: str) -> str:
    try:
        return run_espeak([flag]).stdout.decode("utf-8", "replace")
    except SynthesisError as exc:
        raise VoiceProfileError(f"espeak-ng could not list its voices ({exc})") from None


def _voice_names(listing: str, *, variants: bool = False) -> list[str]:
    names: list[str] = []
    for line in listing.splitlines()[1:]:
        columns = line.split()
        if len(columns) < 5:
            continue
        language, name, file = columns[1], columns[3], columns[4]
        if variants:
            names.append(file.rsplit("/", 1)[-1].lower())
        else:
            names.extend({language.lower(), name.lower(), file.lower()})
            # "(fr 5)": espeak-ng also answers to the other language codes it lists.
            names.extend(code.lower() for code in re.findall(r"\(([\w-]+) \d+\)", line))
    return names


def check_voice(voice: str, where: str) -> None:
    """Raise a VoiceProfileError, with the nearest installed names, unless ``voice`` exists.

    pyttsx3 silently falls back to the default voice for a name espeak-ng does not know, so
    this check is the only thing standing between a typo and a wrong-sounding episode.
    """
    installed = installed_voices()
    base, _, variant = voice.lower().partition("+")
    if base not in installed.voices:
        close = difflib.get_close_matches(base, sorted(installed.voices), n=3)
        hint = f"; closest installed: {', '.join(close)}" if close else ""
        raise VoiceProfileError(f"{where}: espeak-ng has no voice {base!r}{hint}")
    if variant and variant not in installed.variants:
        close = difflib.get_close_matches(variant, sorted(installed.variants), n=3)
        hint = f"; closest variants: {', '.join(close)}" if close else ""
        raise VoiceProfileError(f"{where}: espeak-ng has no variant {variant!r}{hint}")


@dataclass(frozen=True)
class ListedVoice:
    """One espeak-ng voice as ``audionews voices`` shows it."""

    language: str
    name: str
    identifier: str
    gender: str


def listed_voices() -> list[ListedVoice]:
    listed = []
    for line in _espeak_listing("--voices").splitlines()[1:]:
        columns = line.split()
        if len(columns) >= 5:
            gender = columns[2].split("/")[-1]
            listed.append(ListedVoice(columns[1], columns[3], columns[4], gender))
    return listed


def list_profiles() -> list[tuple[VoiceProfile, str | None]]:
    """Every profile found by name, with what is wrong with it (None when it works)."""
    found: list[tuple[VoiceProfile, str | None]] = []
    seen: set[str] = set()
    for folder in profile_folders():
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            if path.stem in seen:
                continue
            seen.add(path.stem)
            try:
                profile = load_profile(str(path), check_installed=False)
            except VoiceProfileError as exc:
                found.append((VoiceProfile(path.stem, {}, Pauses(), path=path), str(exc)))
                continue
            problem = None
            for role, voice in profile.voices.items():
                try:
                    check_voice(voice.voice, f"[{ROLE_TABLES[role]}]")
                except VoiceProfileError as exc:
                    problem = str(exc)
                    break
            found.append((profile, problem))
    return found
