"""Article -> Script -> speakable text: what is said, decided before any sound."""
