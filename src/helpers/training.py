"""The training engine of notebook 04: a readable loop that runs on a CPU, one GPU or many.

One optimizer step, written out::

    for each of `grad_accumulation` micro-batches:
        with autocast(bf16 | fp16 | off):              # mixed precision
            loss = BCEWithLogits(model(batch), labels)
        scaler.scale(loss / grad_accumulation).backward()     # DDP averages gradients across processes
    unscale, clip the gradient norm, optimizer.step(), scheduler.step(), zero the gradients

Everything else in this module is bookkeeping around that step:

* **Data.** Each epoch the sampler fixes the order of all batches from ``(seed, epoch)`` alone.
  With ``W`` processes, process ``r`` takes batches ``r, r + W, r + 2W, ...``, so 2 processes with
  ``grad_accumulation=1`` see exactly the batches of 1 process with ``grad_accumulation=2``.
  Batches that would not fill a whole optimizer step at the end of an epoch are dropped, so every
  step averages ``batch_size * grad_accumulation * W`` examples.
* **Schedule.** AdamW (no weight decay on biases and LayerNorm weights), linear warmup over
  ``warmup_ratio`` of the steps, then linear decay to 0; gradient clipping at ``max_grad_norm``.
* **Precision.** ``"auto"`` is bf16 autocast where the hardware has bf16 (Ampere+ GPUs, CPUs with
  AVX512-BF16 or AMX; see :func:`helpers.runtime.pick_dtype`), fp16 with a gradient scaler on older
  GPUs, else fp32.
* **Evaluation** at every epoch end: loss and ROC-AUC on the evaluation set (process 0), with early
  stopping on AUC and, when it stops early, the best epoch's weights restored.
* **Checkpoints** every ``checkpoint_every_steps`` optimizer steps and at every epoch end: model,
  optimizer, scheduler, gradient scaler, every process's RNG states and the position in the data
  (epoch, micro-batch). Files are written to ``*.tmp`` and renamed with :func:`os.replace`, so a kill
  never leaves a broken checkpoint. :func:`train` resumes from the newest one, skipping exactly the
  batches already seen, and ends with the same weights as a run that was never interrupted (on the
  same hardware, thread count and settings).
* **History**: one row per ``log_every_steps`` steps (loss, learning rate, gradient norm, samples/s,
  real and padded tokens/s, peak memory) and one per evaluation; :meth:`TrainResult.frame` makes it a
  DataFrame.

Several processes: launch ``python -m helpers.train_cli`` with ``torchrun`` (see that module). The
process group is created from the ``RANK`` / ``WORLD_SIZE`` / ``LOCAL_RANK`` variables torchrun (or
``accelerate launch``) sets: NCCL on GPUs, gloo on CPUs.
"""

from __future__ import annotations

import math
import os
import random
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from helpers.predictor import LengthBucketSampler, RandomBatchSampler, TextDataset, collate_dynamic
from helpers.runtime import pick_device, pick_dtype, seed_everything

PRECISIONS = ("auto", "bf16", "fp16", "no")
CHECKPOINT_FORMAT = 1
# Fields that change the numbers a run computes: resuming with different values would not reproduce
# the interrupted run, so it is refused.
PLAN_FIELDS = (
    "epochs",
    "batch_size",
    "grad_accumulation",
    "learning_rate",
    "weight_decay",
    "warmup_ratio",
    "max_grad_norm",
    "mixed_precision",
    "early_stopping_patience",
    "seed",
    "bucketing",
    "dynamic_padding",
    "max_steps",
)


@dataclass
class TrainConfig:
    """Every knob of :func:`train`. ``batch_size`` is per process and per micro-batch."""

    epochs: int = 2
    batch_size: int = 16
    grad_accumulation: int = 1
    learning_rate: float = 5e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_grad_norm: float | None = 1.0
    mixed_precision: str = "auto"  # "auto" | "bf16" | "fp16" | "no"
    eval_every_epoch: bool = True
    eval_batch_size: int = 64
    early_stopping_patience: int | None = None  # epochs without a better AUC before stopping
    checkpoint_dir: str | None = None
    checkpoint_every_steps: int | None = None  # None: only at epoch ends
    keep_checkpoints: int = 2
    seed: int = 0
    num_workers: int = 0
    bucketing: bool = True  # batches of similar length (LengthBucketSampler) instead of random ones
    dynamic_padding: bool = True  # pad to the longest text of a batch instead of to max_length
    log_every_steps: int = 10
    max_steps: int | None = None  # stop after this many optimizer steps (the schedule ends there)
    progress: bool = True  # tqdm progress bars (process 0 only)

    def __post_init__(self) -> None:
        if self.mixed_precision not in PRECISIONS:
            raise ValueError(f"mixed_precision must be one of {PRECISIONS}, got {self.mixed_precision!r}")
        for name in ("epochs", "batch_size", "grad_accumulation", "eval_batch_size", "log_every_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")


@dataclass
class TrainResult:
    """What :func:`train` returns; the model itself is trained in place."""

    history: list[dict[str, Any]]
    steps: int
    epochs_completed: int
    best_auc: float | None
    stopped_early: bool
    resumed_from: str | None
    # Logits of ``eval_data`` for the weights the model holds on return (process 0; None when this call
    # did not evaluate those weights): saves predicting the evaluation set again.
    eval_logits: np.ndarray | None = None

    def frame(self):
        """The history as a pandas DataFrame (train rows have ``kind == "train"``, evaluations ``"eval"``)."""
        import pandas as pd

        return pd.DataFrame(self.history)


# ---------------------------------------------------------------------------------------------------
# Devices, processes and precision
# ---------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------
# Optimizer and learning-rate schedule
# ---------------------------------------------------------------------------------------------------


def linear_warmup_decay(step: int, warmup_steps: int, total_steps: int) -> float:
    """Learning-rate factor for optimizer step ``step`` (0-based): 0 -> 1 over the warmup, then -> 0.

    Same numbers as ``transformers.get_linear_schedule_with_warmup``.
    """
    if step < warmup_steps:
        return step / max(1, warmup_steps)
    return max(0.0, (total_steps - step) / max(1, total_steps - warmup_steps))


def make_optimizer(model: nn.Module, learning_rate: float, weight_decay: float) -> torch.optim.AdamW:
    """AdamW; biases and LayerNorm weights (the 1-D parameters) get no weight decay.

    ``fused``: one kernel updates all parameters; for MiniLM on 2 CPU cores a step takes 17 ms instead
    of 57 ms with the default per-tensor-list implementation.
    """
    decay = [p for p in model.parameters() if p.requires_grad and p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.requires_grad and p.ndim < 2]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=learning_rate, fused=True)


def make_scheduler(
    optimizer: torch.optim.Optimizer, warmup_steps: int, total_steps: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warmup then linear decay to 0 at ``total_steps`` (see :func:`linear_warmup_decay`)."""
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: linear_warmup_decay(step, warmup_steps, total_steps)
    )


# ---------------------------------------------------------------------------------------------------
# Data order
# ---------------------------------------------------------------------------------------------------


def make_sampler(dataset: TextDataset, config: TrainConfig) -> RandomBatchSampler:
    """The training batch sampler: length-bucketed or random, dropping a last incomplete batch."""
    if config.bucketing:
        return LengthBucketSampler(dataset.lengths, config.batch_size, config.seed, drop_last=True)
    return RandomBatchSampler(len(dataset), config.batch_size, config.seed, drop_last=True)


def steps_per_epoch(n_batches: int, world_size: int, grad_accumulation: int) -> int:
    """Optimizer steps per epoch: only whole steps of ``world_size * grad_accumulation`` batches."""
    return n_batches // (world_size * grad_accumulation)


def epoch_batches(sampler: RandomBatchSampler, epoch: int, processes: Processes, grad_accumulation: int):
    """This process's micro-batches for ``epoch``: every ``world_size``-th batch, whole steps only."""
    sampler.set_epoch(epoch)
    batches = sampler.batches()
    used = steps_per_epoch(len(batches), processes.world_size, grad_accumulation)
    used *= processes.world_size * grad_accumulation
    return batches[:used][processes.rank :: processes.world_size]


def make_collate(dataset: TextDataset, dynamic_padding: bool = True) -> Callable:
    """:func:`collate_dynamic` for ``dataset``: pad to the batch's longest text, or to ``max_length``.

    A ``partial`` rather than a nested function, so that DataLoader worker processes can pickle it.
    """
    pad_to = None if dynamic_padding else dataset.max_length
    return partial(collate_dynamic, pad_token_id=dataset.pad_token_id, pad_to=pad_to)


def make_loader(
    dataset: TextDataset, batches: list[list[int]], collate: Callable, num_workers: int, seed: int
):
    """A DataLoader over a fixed list of batches.

    It gets its own random generator: without one, DataLoader draws a seed from torch's global RNG
    every time an iteration starts, which would change the dropout masks after a resume.
    """
    return torch.utils.data.DataLoader(
        dataset,
        batch_sampler=batches,
        collate_fn=collate,
        num_workers=num_workers,
        generator=torch.Generator().manual_seed(seed),
    )


# ---------------------------------------------------------------------------------------------------
# Prediction and evaluation
# ---------------------------------------------------------------------------------------------------


def _forward_in_length_order(
    model: nn.Module,
    dataset: TextDataset,
    forward: Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor],
    batch_size: int,
    device: str | torch.device | None,
    mixed_precision: str,
    progress: bool,
) -> np.ndarray:
    """``forward(model, input_ids, attention_mask)`` for every example, stacked in dataset order.

    Examples are batched shortest-first (less padding), then put back in order. The model is used on
    its own device unless ``device`` is given; its train/eval mode is restored afterwards.
    """
    from tqdm.auto import tqdm

    model = getattr(model, "module", model)
    device = next(model.parameters()).device if device is None else torch.device(device)
    model.to(device)
    dtype = resolve_precision(mixed_precision, device)
    was_training = model.training
    model.eval()
    order = LengthBucketSampler(dataset.lengths, batch_size, shuffle=False)
    collate = make_collate(dataset)
    results = None
    for indices in tqdm(order.batches(), desc="predict", disable=not progress, leave=False):
        batch = collate([dataset[i] for i in indices])
        with torch.inference_mode(), autocast(device, dtype):
            out = forward(model, batch["input_ids"].to(device), batch["attention_mask"].to(device))
        out = out.float().cpu().numpy()
        if results is None:
            results = np.empty((len(dataset), *out.shape[1:]), dtype=np.float32)
        results[indices] = out
    model.train(was_training)
    return results


def predict_logits(
    model: nn.Module,
    dataset: TextDataset,
    batch_size: int = 64,
    device: str | torch.device | None = None,
    mixed_precision: str = "auto",
    progress: bool = False,
) -> np.ndarray:
    """Logits for every example of ``dataset``, in dataset order."""

    def logits(model: nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return model(input_ids, attention_mask)

    return _forward_in_length_order(model, dataset, logits, batch_size, device, mixed_precision, progress)


def embed(
    model: nn.Module,
    dataset: TextDataset,
    batch_size: int = 64,
    device: str | torch.device | None = None,
    mixed_precision: str = "auto",
    progress: bool = False,
) -> np.ndarray:
    """The pooled vector a :class:`~helpers.predictor.Predictor` feeds its head, shape (examples, hidden).

    With a frozen pretrained encoder these are the features of a linear probe.
    """

    def pooled(model: nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        outputs = model.encoder(input_ids=input_ids, attention_mask=attention_mask)
        return model.pool(outputs, attention_mask)

    return _forward_in_length_order(model, dataset, pooled, batch_size, device, mixed_precision, progress)


def predict(
    model: nn.Module,
    dataset: TextDataset,
    batch_size: int = 64,
    device: str | torch.device | None = None,
    mixed_precision: str = "auto",
    progress: bool = False,
) -> np.ndarray:
    """Purchase probabilities (sigmoid of the logits) for every example, in dataset order."""
    logits = predict_logits(model, dataset, batch_size, device, mixed_precision, progress)
    return 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))


def score_logits(
    logits: np.ndarray, labels: torch.Tensor, pos_weight: float | None = None
) -> dict[str, float]:
    """``{"loss": ..., "auc": ...}`` of logits against labels (AUC is NaN when only one class is present).

    The loss uses the same ``pos_weight`` as training, so training and evaluation losses compare.
    """
    from sklearn.metrics import roc_auc_score

    weight = None if pos_weight is None else torch.tensor(pos_weight)
    loss = nn.functional.binary_cross_entropy_with_logits(
        torch.from_numpy(logits), labels, pos_weight=weight
    ).item()
    both_classes = 0 < labels.sum() < len(labels)
    auc = float(roc_auc_score(labels.numpy(), logits)) if both_classes else float("nan")
    return {"loss": loss, "auc": auc}


def evaluate_with_logits(
    model: nn.Module,
    dataset: TextDataset,
    batch_size: int = 64,
    mixed_precision: str = "auto",
    pos_weight: float | None = None,
) -> tuple[dict[str, float], np.ndarray]:
    """``({"loss": ..., "auc": ...}, logits)`` on a labelled dataset; see :func:`score_logits`."""
    if dataset.labels is None:
        raise ValueError("evaluation needs a dataset with labels")
    logits = predict_logits(model, dataset, batch_size, mixed_precision=mixed_precision)
    return score_logits(logits, dataset.labels, pos_weight), logits


def evaluate(
    model: nn.Module,
    dataset: TextDataset,
    batch_size: int = 64,
    mixed_precision: str = "auto",
    pos_weight: float | None = None,
) -> dict[str, float]:
    """``{"loss": ..., "auc": ...}`` on a labelled dataset; see :func:`score_logits`."""
    return evaluate_with_logits(model, dataset, batch_size, mixed_precision, pos_weight)[0]


# ---------------------------------------------------------------------------------------------------
# Checkpoints
# ---------------------------------------------------------------------------------------------------


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
    return Path(folder) / f"checkpoint-{step:08d}.pt"


def latest_checkpoint(folder: str | Path | None) -> Path | None:
    """The checkpoint with the most optimizer steps in ``folder`` (None when there is none)."""
    if folder is None or not Path(folder).is_dir():
        return None
    found = sorted(Path(folder).glob("checkpoint-*.pt"))
    return found[-1] if found else None


def save_checkpoint(state: dict[str, Any], path: str | Path) -> Path:
    """``torch.save`` to ``path`` atomically: write ``path.tmp``, flush to disk, then rename.

    If anything fails (or the process is killed) midway, ``path`` is either the old file or absent,
    never half-written, and the temporary file is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as handle:
            torch.save(state, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint written by :func:`train` (tensors and plain Python values only, no pickle code)."""
    return torch.load(path, map_location="cpu", weights_only=True)


def _prune_checkpoints(folder: Path, keep: int) -> None:
    for old in sorted(folder.glob("checkpoint-*.pt"))[:-keep]:
        old.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------------------------------


class Meter:
    """Sums over the steps since the last history row; ``row()`` turns them into rates and resets.

    ``state()`` holds the sums that decide logged numbers (not the clock), so a resumed run logs the
    same losses as an uninterrupted one.
    """

    COUNTS = ("loss_sum", "micro_batches", "samples", "real_tokens", "padded_tokens")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.loss_sum = 0.0
        self.micro_batches = self.samples = self.real_tokens = self.padded_tokens = 0
        self.started = time.perf_counter()
        self.paused = 0.0

    def add(self, loss: torch.Tensor, batch: dict[str, torch.Tensor]) -> None:
        # Kept as a tensor on the device: calling .item() here would make the CPU wait for the GPU.
        self.loss_sum = self.loss_sum + loss.detach().float()
        self.micro_batches += 1
        self.samples += len(batch["input_ids"])
        self.real_tokens += int(batch["attention_mask"].sum())
        self.padded_tokens += batch["input_ids"].numel()

    def pause(self, seconds: float) -> None:
        """Leave time spent outside training (evaluation, checkpoints) out of the rates."""
        self.paused += seconds

    def state(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in self.COUNTS}

    def load_state(self, state: dict[str, float]) -> None:
        self.loss_sum = state["loss_sum"]
        for name in self.COUNTS[1:]:
            setattr(self, name, int(state[name]))

    def row(self, processes: Processes) -> dict[str, float]:
        """Loss averaged over all processes' micro-batches, and throughput summed over processes."""
        counts = torch.tensor([float(getattr(self, name)) for name in self.COUNTS], dtype=torch.float64)
        if processes.distributed:
            device = processes.device if dist.get_backend() == "nccl" else torch.device("cpu")
            counts = counts.to(device)
            dist.all_reduce(counts)
            counts = counts.cpu()
        loss_sum, micro_batches, samples, real_tokens, padded_tokens = counts.tolist()
        seconds = max(time.perf_counter() - self.started - self.paused, 1e-9)
        self.reset()
        return {
            "loss": loss_sum / max(micro_batches, 1),
            "samples_per_s": samples / seconds,
            "real_tokens_per_s": real_tokens / seconds,
            "padded_tokens_per_s": padded_tokens / seconds,
            "padding_fraction": 1.0 - real_tokens / max(padded_tokens, 1),
        }


# ---------------------------------------------------------------------------------------------------
# The loop
# ---------------------------------------------------------------------------------------------------


@dataclass
class Position:
    """Where training is: the part of a checkpoint that says what comes next."""

    epoch: int = 0
    batch: int = 0  # micro-batches of this epoch already consumed by this process
    step: int = 0  # optimizer steps done
    best_auc: float | None = None
    epochs_without_improvement: int = 0
    stopped_early: bool = False
    finished: bool = False


def forward_backward(
    model: nn.Module,
    batch: dict[str, torch.Tensor],
    loss_fn: nn.Module,
    scaler: torch.amp.GradScaler,
    dtype: torch.dtype | None,
    grad_accumulation: int,
) -> torch.Tensor:
    """Loss of one micro-batch; adds its gradient, divided by ``grad_accumulation``, to ``.grad``."""
    device = next(model.parameters()).device
    with autocast(device, dtype):
        logits = model(batch["input_ids"].to(device), batch["attention_mask"].to(device))
    loss = loss_fn(logits.float(), batch["labels"].to(device))  # the loss itself in fp32
    scaler.scale(loss / grad_accumulation).backward()
    return loss.detach()


def optimizer_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    scaler: torch.amp.GradScaler,
    max_grad_norm: float | None,
) -> tuple[float, torch.Tensor | None]:
    """Clip, step, advance the schedule, zero the gradients; returns (learning rate used, gradient norm).

    The norm stays a tensor: reading its value would make the CPU wait for the GPU at every step.

    With fp16 the scaler first divides the gradients by its loss scale (so that clipping sees their
    true size) and skips the step when they overflowed; without fp16 it does nothing.
    """
    scaler.unscale_(optimizer)
    grad_norm = None
    if max_grad_norm is not None:
        grad_norm = nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    learning_rate = optimizer.param_groups[0]["lr"]
    scaler.step(optimizer)
    scaler.update()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)
    return learning_rate, grad_norm


def _check_resumable(checkpoint: dict[str, Any], config: TrainConfig, world_size: int) -> None:
    saved = checkpoint["config"]
    changed = [name for name in PLAN_FIELDS if saved.get(name) != getattr(config, name)]
    if checkpoint["world_size"] != world_size:
        changed.append(f"world_size ({checkpoint['world_size']} -> {world_size})")
    if changed:
        raise ValueError(
            f"cannot resume: {', '.join(changed)} changed since the checkpoint was written; "
            "use the same settings, or another checkpoint_dir to start afresh"
        )


def _gather(obj: Any, processes: Processes) -> list[Any]:
    """``obj`` from every process, in rank order (just ``[obj]`` when running alone)."""
    if not processes.distributed:
        return [obj]
    gathered: list[Any] = [None] * processes.world_size
    dist.all_gather_object(gathered, obj)
    return gathered


def _broadcast(obj: Any, processes: Processes) -> Any:
    """Process 0's ``obj`` on every process."""
    if not processes.distributed:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def _cpu_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: tensor.detach().cpu().clone() for name, tensor in model.state_dict().items()}


def train(
    model: nn.Module,
    train_data: TextDataset,
    eval_data: TextDataset | None = None,
    config: TrainConfig | None = None,
    *,
    pos_weight: float | None = None,
    device: str | torch.device | None = None,
    resume: bool | None = None,
    on_step: Callable[[dict[str, Any]], None] | None = None,
) -> TrainResult:
    """Train ``model`` (a :class:`~helpers.predictor.Predictor` or any module with the same forward) in place.

    ``pos_weight`` weights positive examples in the loss (see :func:`helpers.predictor.pos_weight_for`).
    ``resume``: None resumes from the newest checkpoint in ``config.checkpoint_dir`` when there is one;
    True requires one; False refuses to run over existing checkpoints. ``on_step`` is called after
    every optimizer step with ``{"epoch", "batch", "step"}`` (an exception from it stops training, as a
    kill would). Python, NumPy and torch are seeded with ``config.seed + rank`` at the start. Under
    ``torchrun`` every process calls :func:`train` with the same arguments.
    """
    from tqdm.auto import tqdm

    config = config or TrainConfig()
    processes = setup_processes(device)
    device = processes.device
    seed_everything(config.seed + processes.rank)  # each process gets its own dropout masks
    model.to(device)
    dtype = resolve_precision(config.mixed_precision, device)
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)

    sampler = make_sampler(train_data, config)
    per_epoch = steps_per_epoch(len(sampler), processes.world_size, config.grad_accumulation)
    if per_epoch == 0:
        raise ValueError(
            f"{len(train_data)} training examples make no whole optimizer step of batch_size "
            f"{config.batch_size} x grad_accumulation {config.grad_accumulation} x {processes.world_size} "
            "processes"
        )
    total_steps = per_epoch * config.epochs
    if config.max_steps is not None:
        total_steps = min(total_steps, config.max_steps)
    optimizer = make_optimizer(model, config.learning_rate, config.weight_decay)
    scheduler = make_scheduler(optimizer, round(config.warmup_ratio * total_steps), total_steps)
    weight = None if pos_weight is None else torch.tensor(pos_weight, device=device)
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=weight)
    collate = make_collate(train_data, config.dynamic_padding)

    position, history, meter, best_state = Position(), [], Meter(), None
    eval_logits = best_logits = None
    folder = None if config.checkpoint_dir is None else Path(config.checkpoint_dir)
    # Process 0 picks the checkpoint, so that all processes resume from the same one.
    found = _broadcast(latest_checkpoint(folder) if processes.is_main else None, processes)
    if found is not None and resume is False:
        raise ValueError(f"resume=False but {folder} already holds checkpoints; use another checkpoint_dir")
    if found is None and resume:
        raise FileNotFoundError(f"resume=True but there is no checkpoint in {folder}")
    if found is not None:
        checkpoint = load_checkpoint(found)
        _check_resumable(checkpoint, config, processes.world_size)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        scheduler.load_state_dict(checkpoint["scheduler"])
        scaler.load_state_dict(checkpoint["scaler"])
        position = Position(**checkpoint["position"])
        history, best_state = checkpoint["history"], checkpoint["best_model"]
        mine = checkpoint["process_states"][processes.rank]
        meter.load_state(mine["meter"])
        set_rng_state(mine["rng"])

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    ddp_model = model
    if processes.distributed:
        ddp_model = nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None
        )

    def save(position: Position) -> None:
        """Every process hands its RNG and meter to process 0, which writes one checkpoint file."""
        if folder is None:
            return
        started = time.perf_counter()
        process_states = _gather({"rng": rng_state(), "meter": meter.state()}, processes)
        if processes.is_main:
            state = {
                "format": CHECKPOINT_FORMAT,
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "scaler": scaler.state_dict(),
                "position": asdict(position),
                "history": history,
                "best_model": best_state,
                "process_states": process_states,
                "config": {**asdict(config), "checkpoint_dir": str(folder)},  # plain types only
                "world_size": processes.world_size,
            }
            save_checkpoint(state, checkpoint_path(folder, position.step))
            _prune_checkpoints(folder, config.keep_checkpoints)
        if processes.distributed:
            dist.barrier()
        meter.pause(time.perf_counter() - started)

    def run_evaluation(position: Position) -> None:
        """Process 0 evaluates; every process gets the result and the early-stopping decision."""
        nonlocal best_state, best_logits, eval_logits
        started = time.perf_counter()
        result = None
        if processes.is_main and eval_data is not None:
            result, eval_logits = evaluate_with_logits(
                model, eval_data, config.eval_batch_size, config.mixed_precision, pos_weight
            )
        result = _broadcast(result, processes)
        meter.pause(time.perf_counter() - started)
        if result is None:
            return
        history.append({"kind": "eval", "epoch": position.epoch, "step": position.step, **result})
        improved = position.best_auc is None or result["auc"] > position.best_auc
        if improved and not math.isnan(result["auc"]):
            position.best_auc, position.epochs_without_improvement = result["auc"], 0
            if config.early_stopping_patience is not None:
                best_state, best_logits = _cpu_state_dict(model), eval_logits
        else:
            position.epochs_without_improvement += 1
        patience = config.early_stopping_patience
        if patience is not None and position.epochs_without_improvement >= patience:
            position.stopped_early = position.finished = True

    resumed_from = None if found is None else str(found)
    while position.epoch < config.epochs and not position.finished:
        batches = epoch_batches(sampler, position.epoch, processes, config.grad_accumulation)
        loader = make_loader(
            train_data,
            batches[position.batch :],
            collate,
            config.num_workers,
            seed=config.seed * 1_000_003 + position.epoch,
        )
        bar = tqdm(
            total=len(batches),
            initial=position.batch,
            desc=f"epoch {position.epoch + 1}/{config.epochs}",
            disable=not (config.progress and processes.is_main),
        )
        ddp_model.train()
        for batch in loader:
            closes_step = (position.batch + 1) % config.grad_accumulation == 0
            # Between the micro-batches of one step, DDP need not average gradients yet.
            sync = nullcontext() if closes_step or not processes.distributed else ddp_model.no_sync()
            with sync:
                loss = forward_backward(ddp_model, batch, loss_fn, scaler, dtype, config.grad_accumulation)
            meter.add(loss, batch)
            position.batch += 1
            bar.update(1)
            if not closes_step:
                continue

            learning_rate, grad_norm = optimizer_step(
                model, optimizer, scheduler, scaler, config.max_grad_norm
            )
            position.step += 1
            if position.step % config.log_every_steps == 0:
                row = {"kind": "train", "epoch": position.epoch, "step": position.step, "lr": learning_rate}
                row.update(meter.row(processes))
                if grad_norm is not None:
                    row["grad_norm"] = float(grad_norm)
                row["peak_memory_mb"], row["memory_measure"] = peak_memory(device)
                history.append(row)
                bar.set_postfix(loss=f"{row['loss']:.4f}", lr=f"{learning_rate:.2e}")
            if config.max_steps is not None and position.step >= config.max_steps:
                position.finished = True
            if on_step is not None:
                on_step({"epoch": position.epoch, "batch": position.batch, "step": position.step})
            if position.finished:
                break
            if config.checkpoint_every_steps and position.step % config.checkpoint_every_steps == 0:
                save(position)
        bar.close()

        if config.eval_every_epoch or position.finished:
            run_evaluation(position)
        if position.batch == len(batches):
            position.epoch, position.batch = position.epoch + 1, 0
        save(position)

    if position.stopped_early and best_state is not None:
        model.load_state_dict(best_state)
        eval_logits = best_logits
    return TrainResult(
        history=history,
        steps=position.step,
        epochs_completed=position.epoch,
        best_auc=position.best_auc,
        stopped_early=position.stopped_early,
        resumed_from=resumed_from,
        eval_logits=eval_logits,
    )


# ---------------------------------------------------------------------------------------------------
# Linear probing, and fine-tuning that starts from the probe (LP-FT)
# ---------------------------------------------------------------------------------------------------


def fit_linear_probe(model: nn.Module, dataset: TextDataset, C: float = 1.0, batch_size: int = 64):
    """Logistic regression on the frozen pooled vectors of ``model`` (classes weighted to balance).

    Balanced class weights are the logistic-regression twin of ``pos_weight`` in the fine-tuning loss.
    """
    from sklearn.linear_model import LogisticRegression

    if dataset.labels is None:
        raise ValueError("a linear probe needs a labelled dataset")
    vectors = embed(model, dataset, batch_size=batch_size)
    probe = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
    return probe.fit(vectors, dataset.labels.numpy().astype(int))


def warm_start_head(model: nn.Module, probe) -> None:
    """Copy a fitted probe into the predictor's linear head, so fine-tuning starts from a useful head.

    Fine-tuning with a random head sends large, random gradients into the pretrained encoder in the
    first steps; starting from the probe's head avoids that (Kumar et al., 2022, "Fine-tuning can
    distort pretrained features").
    """
    head = getattr(model, "module", model).head
    with torch.no_grad():
        head.weight.copy_(torch.as_tensor(probe.coef_, dtype=head.weight.dtype))
        head.bias.copy_(torch.as_tensor(probe.intercept_, dtype=head.bias.dtype))
