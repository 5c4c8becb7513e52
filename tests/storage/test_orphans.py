"""The orphan sweep: old unreferenced blobs and temporary files go; referenced blobs and
anything young (maybe another process's write in flight) stay."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from storage.blobs import BlobStore
from storage.database import Database
from storage.orphans import ORPHAN_AGE_SECONDS, Swept, sweep_orphans
from storage.records import ArrivalKey, record_arrival


def age(path: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_sweep_removes_only_old_leftovers(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'intake.db'}")
    db.migrate()
    blobs = BlobStore(tmp_path)
    kept = blobs.put(b"a stored message")
    with db.session() as session:
        record_arrival(
            session, ArrivalKey("test", "", 0, "1"), kept, 16, datetime.now(UTC), "email"
        )
    orphan, young = blobs.put(b"left by a crash"), blobs.put(b"being committed right now")
    temporary = blobs.path_for(orphan).parent / ".tmp-abc123"
    temporary.write_bytes(b"half a blob")
    old = ORPHAN_AGE_SECONDS + 60
    for path in (blobs.path_for(kept), blobs.path_for(orphan), temporary):
        age(path, old)

    assert sweep_orphans(db, blobs) == Swept(temporary=1, blobs=1)

    assert sorted(blobs.digests()) == sorted([kept, young])
    assert not temporary.exists()
    age(blobs.path_for(young), old)
    blobs.put(b"being committed right now")  # stored again: in use, its time refreshed
    assert sweep_orphans(db, blobs) == Swept(0, 0)
    assert sweep_orphans(db, blobs, min_age_seconds=0) == Swept(temporary=0, blobs=1)
    db.dispose()
