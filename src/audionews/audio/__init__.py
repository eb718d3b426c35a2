"""Script -> sound: voices, synthesis and its cache, assembly, loudness, encoding."""
