"""Bulletin intake: the application (sources, pipeline, scheduler, review UI, digest, CLI)."""
