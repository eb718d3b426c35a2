"""audionews: turn a news article into an accessible, chaptered audio briefing."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("audionews")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
