"""Reference tables kept on disk: built once, loaded by the next process, built again when
what they are built from changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from parsers.knowledge import stored


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(stored, "FOLDER", tmp_path / "tables")
    return tmp_path / "tables"


def counted_table(source: Path, built: list[int]) -> Callable[[], dict[str, int]]:
    """A fresh table builder (as a new process has it) that reads `source`."""

    @stored.stored(source)
    def table() -> dict[str, int]:
        built.append(1)
        return {"read": len(source.read_text())}

    return table


def test_a_table_built_once_is_loaded_by_the_next_process(folder: Path, tmp_path: Path) -> None:
    source = tmp_path / "words.txt"
    source.write_text("maire\n")
    built: list[int] = []
    first = counted_table(source, built)
    assert first() == {"read": 6} and first() == {"read": 6}
    assert built == [1]
    assert counted_table(source, built)() == {"read": 6}
    assert built == [1]
    assert [p.suffix for p in folder.iterdir()] == [".pickle"]


def test_a_table_is_built_again_when_what_it_reads_changes(folder: Path, tmp_path: Path) -> None:
    source = tmp_path / "words.txt"
    source.write_text("maire\n")
    built: list[int] = []
    counted_table(source, built)()
    source.write_text("maire\nadjoint\n")
    assert counted_table(source, built)() == {"read": 14}
    assert built == [1, 1]


def test_a_folder_that_cannot_be_made_only_means_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setattr(stored, "FOLDER", blocker / "tables")
    source = tmp_path / "words.txt"
    source.write_text("maire\n")
    built: list[int] = []
    assert counted_table(source, built)() == {"read": 6}
    assert counted_table(source, built)() == {"read": 6}
    assert built == [1, 1]


def test_a_broken_table_file_is_built_again(folder: Path, tmp_path: Path) -> None:
    source = tmp_path / "words.txt"
    source.write_text("maire\n")
    built: list[int] = []
    counted_table(source, built)()
    [kept] = folder.iterdir()
    kept.write_bytes(kept.read_bytes()[:10])
    assert counted_table(source, built)() == {"read": 6}
    assert built == [1, 1]
