"""Tests of the file edges in degsea.io."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd
import pytest

from degsea.io import atomic_path, write_table


def test_atomic_outputs_get_ordinary_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.tsv")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "t.tsv").stat().st_mode) == 0o644


def test_a_failed_writer_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "out.tsv") as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
