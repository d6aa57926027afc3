"""A damaged or missing input of a training run is one line naming the file and the reason, and a
non-zero exit, never a traceback (ranges.json, the images stage's arrays and index, the text
annotations, the resume checkpoint)."""
import shutil
from pathlib import Path

import pytest

from test_train_stage import ARGS, one_thread, stage_main, write_params, write_processed  # noqa: F401 (fixtures)

PROCESSED = Path("data/processed")
FILES = {
    "ranges": PROCESSED / "ranges.json",
    "index": PROCESSED / "images/instagram/index.parquet",
    "pixels": PROCESSED / "images/instagram/images.npy",
    "annotations": PROCESSED / "annotations.parquet",
    "checkpoint": Path("checkpoints/instagram/resnet18-base/checkpoint.pt"),
}
DAMAGES = ("random_bytes", "truncated", "empty", "folder", "missing")


def damage(path: Path, how: str) -> None:
    original = path.read_bytes() if path.is_file() else b"PK\x03\x04" + bytes(range(256)) * 8
    if path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    if how == "random_bytes":
        path.write_bytes(bytes((i * 97 + 13) % 256 for i in range(1000)))
    elif how == "truncated":
        path.write_bytes(original[: len(original) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "folder":
        path.mkdir()


@pytest.mark.parametrize("how", DAMAGES)
@pytest.mark.parametrize("name", sorted(FILES))
def test_damaged_input_is_one_line_naming_the_file(tmp_path, stage_main, capsys, name, how):
    if name == "checkpoint" and how == "missing":
        pytest.skip("no checkpoint is the normal case: the run starts afresh")
    write_processed(tmp_path, "instagram")
    write_params(tmp_path)
    damage(tmp_path / FILES[name], how)
    argv = ("--dataset", "instagram") + ARGS[2:]
    code = stage_main(tmp_path, *argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and err[0].startswith("stages/train.py: error: "), err
    assert str(FILES[name]) in err[0] and "Traceback" not in err[0]
    if name == "checkpoint":
        assert "delete it" in err[0] or "folder" in err[0]
    shutil.rmtree(tmp_path / "data")
