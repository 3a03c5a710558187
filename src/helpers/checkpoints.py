"""Checkpoints that survive a kill, and the random-number states that make a resume exact.

A checkpoint of :func:`helpers.training.train` holds the model, optimizer, scheduler and gradient scaler,
every process's RNG states and meter, the history and the position in the data. Files are written to a
temporary file beside them, flushed and renamed (:func:`helpers.paths.atomic_write`), so a kill never
leaves a broken checkpoint; the newest ``keep`` files stay. A run resumes only with the settings that
decide its numbers (:func:`check_resumable`), so the resumed run ends with the weights of one that never
stopped.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from helpers.devices import Processes, broadcast
from helpers.paths import atomic_write


def rng_state() -> dict[str, Any]:
    """Python, NumPy, torch CPU and CUDA RNG states, in types ``torch.load(weights_only=True)`` accepts."""
    kind, keys, position, has_gauss, cached = np.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": [kind, keys.tolist(), position, has_gauss, cached],
        "torch": torch.get_rng_state(),
        # This process's own GPU only: reading every GPU's state would open a context on each of them.
        "cuda": [torch.cuda.get_rng_state()] if torch.cuda.is_available() else [],
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Undo-able counterpart of :func:`rng_state`."""
    random.setstate(_as_tuples(state["python"]))
    kind, keys, position, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, np.array(keys, dtype=np.uint32), position, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state(state["cuda"][0])


def _as_tuples(value):
    """``random.setstate`` wants tuples; a round trip through a checkpoint may give lists."""
    return tuple(_as_tuples(v) for v in value) if isinstance(value, list | tuple) else value


def checkpoint_path(folder: str | Path, step: int) -> Path:
    """The file of the checkpoint taken after ``step`` (zero-padded, so names sort by step)."""
    return Path(folder) / f"checkpoint-{step:08d}.pt"


def latest_checkpoint(folder: str | Path | None) -> Path | None:
    """The checkpoint with the most optimizer steps in ``folder`` (None when there is none)."""
    if folder is None or not Path(folder).is_dir():
        return None
    found = sorted(Path(folder).glob("checkpoint-*.pt"))
    return found[-1] if found else None


def save_checkpoint(state: dict[str, Any], path: str | Path) -> Path:
    """``torch.save`` to ``path`` atomically: write a temporary file beside it, flush to disk, then rename.

    If anything fails (or the process is killed) midway, ``path`` is either the old file or absent,
    never half-written (:func:`helpers.paths.atomic_write`).
    """
    with atomic_write(path, "wb", durable=True) as handle:
        torch.save(state, handle)
    return Path(path)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint of :func:`helpers.training.train`: tensors and plain values only, no pickle code."""
    return torch.load(path, map_location="cpu", weights_only=True)


def prune_checkpoints(folder: Path, keep: int) -> None:
    """Delete all but the ``keep`` newest checkpoints in ``folder``."""
    for old in sorted(folder.glob("checkpoint-*.pt"))[:-keep]:
        old.unlink(missing_ok=True)


def find_checkpoint(folder: Path | None, resume: bool | None, processes: Processes) -> Path | None:
    """The checkpoint to resume from, chosen by process 0 so that every process takes the same one.

    ``resume``: None resumes when there is a checkpoint; True requires one; False refuses to run over
    existing checkpoints.
    """
    found = broadcast(latest_checkpoint(folder) if processes.is_main else None, processes)
    if found is not None and resume is False:
        raise ValueError(f"resume=False but {folder} already holds checkpoints; use another checkpoint_dir")
    if found is None and resume:
        raise FileNotFoundError(f"resume=True but there is no checkpoint in {folder}")
    return found


def check_resumable(
    saved: Mapping[str, Any], current: Mapping[str, Any], fields: Iterable[str], saved_world: int, world: int
) -> None:
    """Refuse to resume when a setting that changes the numbers (``fields``) or the process count changed."""
    changed = [name for name in fields if saved.get(name) != current.get(name)]
    if saved_world != world:
        changed.append(f"world_size ({saved_world} -> {world})")
    if changed:
        raise ValueError(
            f"cannot resume: {', '.join(changed)} changed since the checkpoint was written; "
            "use the same settings, or another checkpoint_dir to start afresh"
        )
