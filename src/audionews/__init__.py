"""audionews: turn a news article into an accessible, chaptered audio briefing."""

# The one place the version is written: pyproject.toml reads it from here (setuptools'
# dynamic version), so a build does not pay importlib.metadata's 60-70 ms to look it up.
__version__ = "0.2.0"
