"""Fixtures shared by the stackcheck library's unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

GIT_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR")


@pytest.fixture
def outside_git(tmp_path, monkeypatch) -> Path:
    """``tmp_path/work``, a folder git finds no repository above whatever the environment says, as the working directory."""
    for name in GIT_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder
