"""The review web UI: server-rendered pages over storage queries (see server.py)."""
