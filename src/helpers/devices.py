"""Where training runs: processes (one, or many under ``torchrun``), devices and numeric precision.

* :func:`setup_processes` joins the process group that ``torchrun`` (or ``accelerate launch``) describes
  in ``RANK`` / ``WORLD_SIZE`` / ``LOCAL_RANK``: NCCL on GPUs, gloo on CPUs. Alone, it does nothing.
* :func:`resolve_precision` turns ``"auto" | "bf16" | "fp16" | "no"`` into an autocast dtype: for ``"auto"``
  bf16 on Ampere+ GPUs, fp16 (with a gradient scaler) on older GPUs, fp32 on CPUs (see
  :func:`helpers.runtime.pick_dtype`: bf16 autocast measured slower than fp32 at MiniLM's sizes).
"""

from __future__ import annotations

import os
import sys
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.distributed as dist

from helpers.runtime import pick_device, pick_dtype

PRECISIONS = ("auto", "bf16", "fp16", "no")


@dataclass
class Processes:
    """Where this process sits in a (possibly single-process) data-parallel run."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup_processes(device: str | torch.device | None = None) -> Processes:
    """Join the process group that ``torchrun`` describes in the environment (or run alone).

    Each process uses GPU number ``LOCAL_RANK`` when CUDA is used; the backend is NCCL on GPUs and
    gloo on CPUs.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(None if device is None else str(device))
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", local_rank if world_size > 1 else torch.cuda.current_device())
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return Processes(rank, world_size, local_rank, device)


def resolve_precision(mixed_precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``mixed_precision`` on ``device``; None means plain fp32."""
    if mixed_precision not in PRECISIONS:
        raise ValueError(f"mixed_precision must be one of {PRECISIONS}, got {mixed_precision!r}")
    if mixed_precision == "no" or device.type not in ("cpu", "cuda"):
        return None
    if mixed_precision == "auto":
        dtype = pick_dtype(device)
        return None if dtype == torch.float32 else dtype
    if mixed_precision == "fp16" and device.type != "cuda":
        raise ValueError("fp16 mixed precision needs a CUDA GPU; use 'bf16' or 'no' on a CPU")
    return torch.bfloat16 if mixed_precision == "bf16" else torch.float16


def autocast(device: torch.device, dtype: torch.dtype | None):
    """``torch.autocast`` for ``dtype``, or a no-op context for fp32."""
    return nullcontext() if dtype is None else torch.autocast(device.type, dtype=dtype)


def peak_memory(device: torch.device) -> tuple[float, str]:
    """(megabytes, what was measured): CUDA peak allocated tensors, or the CPU process's peak RSS."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20, "cuda max_memory_allocated"
    try:
        import resource  # Unix only
    except ImportError:
        return float("nan"), "not measured on this OS"
    # Linux reports ru_maxrss in KiB (macOS in bytes). It is the whole process's peak since start.
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (2**20 if sys.platform == "darwin" else 2**10), "cpu process max RSS"


def gather(obj: Any, processes: Processes) -> list[Any]:
    """``obj`` from every process, in rank order (just ``[obj]`` when running alone)."""
    if not processes.distributed:
        return [obj]
    gathered: list[Any] = [None] * processes.world_size
    dist.all_gather_object(gathered, obj)
    return gathered


def broadcast(obj: Any, processes: Processes) -> Any:
    """Process 0's ``obj`` on every process."""
    if not processes.distributed:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def data_parallel(model: torch.nn.Module, processes: Processes) -> torch.nn.Module:
    """``model`` wrapped in DistributedDataParallel when several processes train it, else itself.

    Also starts the CUDA peak-memory count afresh, so the history reports this run's peak.
    """
    if processes.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(processes.device)
    if not processes.distributed:
        return model
    device_ids = [processes.device.index] if processes.device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids)
