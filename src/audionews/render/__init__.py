"""Renderers of a finished episode as documents: the episode page, DAISY 2.02, EPUB 3.

Each takes an ``EpisodeDocument`` (``render.document``), the timed structure of one episode,
so every output shows the same sentences at the same milliseconds as the WebVTT transcript.
"""
