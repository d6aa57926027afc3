"""dvclive logging of a run's epochs, each run in its own folder."""
from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Mapping, Sequence


def open_live(live_dir: Path, history: Sequence[Mapping[str, float]] = ()):
    """dvclive logger in its own folder; never writes dvc.yaml nor saves DVC experiments.

    The folder is started afresh and the epochs already done (a resumed run's checkpoint
    history) are logged again first: `dvc repro` deletes the folder before it reruns a killed
    stage, and an epoch logged just before a kill must not appear twice."""
    from dvclive import Live

    if live_dir.exists():
        shutil.rmtree(live_dir)
    live = Live(str(live_dir), resume=False, dvcyaml=False, save_dvc_exp=False, report=None)
    for epoch, record in enumerate(history):
        log_epoch(live, epoch, record)
    return live


def log_epoch(live, epoch: int, record: Mapping[str, float]) -> None:
    live.step = epoch
    live.log_metric("train/loss", record["train_loss"])
    for key, value in record.items():
        if key.startswith("val_") and math.isfinite(value):
            live.log_metric(f"val/{key[4:]}", value)
    live.next_step()
