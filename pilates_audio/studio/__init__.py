"""The studio: a local page to write routines, tweak their pacing and hear the result (see docs/studio.md)."""
