"""The training engine: one loop for every task, on a CPU, one GPU or many.

One optimizer step, written out (:func:`forward_backward`, :func:`optimizer_step`)::

    for each of `grad_accumulation` micro-batches:
        with autocast(bf16 | fp16 | off):                     # mixed precision
            loss = loss_fn(model(batch), labels)              # BCE, cross-entropy, masked-LM ...
        scaler.scale(loss / grad_accumulation).backward()     # DDP averages gradients across processes
    unscale, clip the gradient norm, optimizer.step(), scheduler.step(), zero the gradients

:func:`minimal_train` is that loop and nothing else, in 25 lines; :func:`train` adds what a real run
needs, each piece in its own module:

* **Task.** ``loss_fn(logits, labels)`` and a :class:`~helpers.objectives.Metric` (default: binary
  cross-entropy and ROC-AUC), so purchase prediction, K-class sentiment and masked-LM pre-training
  (:mod:`helpers.mlm`) share this loop.
* **Data order** (:mod:`helpers.batching`): fixed by ``(seed, epoch)``; with ``W`` processes, process
  ``r`` takes batches ``r, r + W, ...``, whole optimizer steps only.
* **Schedule.** AdamW (no weight decay on biases and LayerNorm weights), linear warmup over
  ``warmup_ratio`` of the steps, then linear decay to 0; gradient clipping at ``max_grad_norm``.
* **Precision and processes** (:mod:`helpers.devices`): bf16/fp16 autocast on GPUs (fp32 on CPUs);
  under ``torchrun`` (:mod:`helpers.train_cli`) DistributedDataParallel, NCCL on GPUs, gloo on CPUs.
* **Evaluation** at every epoch end (and every ``eval_every_steps`` steps) on process 0, with early
  stopping on the metric and, when it stops early, the best evaluation's weights restored.
* **Checkpoints** (:mod:`helpers.checkpoints`) every ``checkpoint_every_steps`` steps and at every epoch
  end; :func:`train` resumes from the newest one, skipping the batches already seen, and ends with the
  same weights as a run that never stopped (same hardware, thread count and settings).
* **History** (:mod:`helpers.meter`): a row every ``log_every_steps`` steps and one per evaluation.
"""

from __future__ import annotations

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

from helpers.batching import (
    BatchDataset,
    LengthBucketSampler,
    RandomBatchSampler,
    epoch_batches,
    make_collate,
    make_loader,
    model_inputs,
    steps_per_epoch,
)
from helpers.checkpoints import (
    check_resumable,
    checkpoint_path,
    find_checkpoint,
    load_checkpoint,
    prune_checkpoints,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from helpers.devices import (
    PRECISIONS,
    Processes,
    autocast,
    broadcast,
    data_parallel,
    gather,
    resolve_precision,
    setup_processes,
)
from helpers.inference import evaluate
from helpers.meter import Meter
from helpers.objectives import ROC_AUC, LossFn, Metric, binary_loss
from helpers.optimization import make_optimizer, make_scheduler, set_dropout
from helpers.runtime import seed_everything

CHECKPOINT_FORMAT = 2
# Fields that change the numbers a run computes: resuming with different values would not reproduce
# the interrupted run, so it is refused.
PLAN_FIELDS = tuple(
    "epochs batch_size grad_accumulation learning_rate weight_decay warmup_ratio max_grad_norm"
    " mixed_precision early_stopping_patience seed bucketing dynamic_padding max_steps dropout".split()
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
    eval_every_steps: int | None = None  # also within epochs; early-stopping patience then counts evaluations
    eval_batch_size: int = 64
    early_stopping_patience: int | None = None  # evaluations without a better metric before stopping
    checkpoint_dir: str | None = None
    checkpoint_every_steps: int | None = None  # None: only at epoch ends
    keep_checkpoints: int = 2
    seed: int = 0
    num_workers: int = 0
    bucketing: bool = True  # batches of similar length (LengthBucketSampler) instead of random ones
    dynamic_padding: bool = True  # pad to the longest text of a batch instead of to max_length
    log_every_steps: int = 10
    max_steps: int | None = None  # stop after this many optimizer steps (the schedule ends there)
    dropout: float | None = None  # None: the model's own; a number sets every nn.Dropout (set_dropout)
    progress: bool = True  # tqdm progress bars (process 0 only)

    def __post_init__(self) -> None:
        if self.mixed_precision not in PRECISIONS:
            raise ValueError(f"mixed_precision must be one of {PRECISIONS}, got {self.mixed_precision!r}")
        if self.eval_every_steps is not None and self.eval_every_steps < 1:
            raise ValueError(f"eval_every_steps must be >= 1 or None, got {self.eval_every_steps}")
        if self.dropout is not None and not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1) or None, got {self.dropout}")
        for name in ("epochs", "batch_size", "grad_accumulation", "eval_batch_size", "log_every_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")


@dataclass
class TrainResult:
    """What :func:`train` returns; the model itself is trained in place."""

    history: list[dict[str, Any]]
    steps: int
    epochs_completed: int
    metric_name: str
    best_metric: float | None
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
# Data order
# ---------------------------------------------------------------------------------------------------


def make_sampler(dataset: BatchDataset, config: TrainConfig) -> RandomBatchSampler:
    """The training batch sampler: length-bucketed or random, dropping a last incomplete batch."""
    if config.bucketing:
        return LengthBucketSampler(dataset.lengths, config.batch_size, config.seed, drop_last=True)
    return RandomBatchSampler(len(dataset), config.batch_size, config.seed, drop_last=True)


def planned_steps(n_examples: int, n_batches: int, config: TrainConfig, processes: Processes) -> int:
    """Optimizer steps of the whole run (the schedule's length); refuses a run that makes no step."""
    per_epoch = steps_per_epoch(n_batches, processes.world_size, config.grad_accumulation)
    if per_epoch == 0:
        raise ValueError(
            f"{n_examples} training examples make no whole optimizer step of batch_size "
            f"{config.batch_size} x grad_accumulation {config.grad_accumulation} x {processes.world_size} "
            "processes"
        )
    total = per_epoch * config.epochs
    return total if config.max_steps is None else min(total, config.max_steps)


def forward_backward(
    model: nn.Module,
    batch: dict[str, torch.Tensor],
    loss_fn: LossFn,
    scaler: torch.amp.GradScaler,
    dtype: torch.dtype | None,
    grad_accumulation: int,
) -> torch.Tensor:
    """Loss of one micro-batch; adds its gradient, divided by ``grad_accumulation``, to ``.grad``."""
    device = next(model.parameters()).device
    with autocast(device, dtype):
        logits = model(**model_inputs(batch, device))
        loss = loss_fn(logits, batch["labels"].to(device))  # losses compute in fp32 (helpers.objectives)
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


# ---------------------------------------------------------------------------------------------------
# The loop
# ---------------------------------------------------------------------------------------------------


def minimal_train(model: nn.Module, dataset: BatchDataset, config: TrainConfig, loss_fn: LossFn) -> None:
    """The loop of :func:`train` and nothing else (no evaluation, checkpoints, logging, DDP, autocast).

    On a CPU in fp32 it gives the same weights as ``train(model, dataset, None, config, loss_fn=loss_fn)``
    with ``max_steps=None``: the same seed, batches, dropout masks, schedule and steps.
    """
    seed_everything(config.seed)
    sampler = make_sampler(dataset, config)
    steps = steps_per_epoch(len(sampler), 1, config.grad_accumulation)
    optimizer = make_optimizer(model, config.learning_rate, config.weight_decay)
    total_steps = steps * config.epochs
    scheduler = make_scheduler(optimizer, round(config.warmup_ratio * total_steps), total_steps)
    collate = make_collate(dataset, config.dynamic_padding)
    set_dropout(model, config.dropout)
    model.train()
    for epoch in range(config.epochs):
        sampler.set_epoch(epoch)
        for i, indices in enumerate(sampler.batches()[: steps * config.grad_accumulation]):
            batch = collate([dataset[j] for j in indices])
            loss = loss_fn(model(**model_inputs(batch)), batch["labels"])
            (loss / config.grad_accumulation).backward()
            if (i + 1) % config.grad_accumulation == 0:
                if config.max_grad_norm is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)


@dataclass
class Position:
    """Where training is: the part of a checkpoint that says what comes next."""

    epoch: int = 0
    batch: int = 0  # micro-batches of this epoch already consumed by this process
    step: int = 0  # optimizer steps done
    best_metric: float | None = None
    epochs_without_improvement: int = 0
    stopped_early: bool = False
    finished: bool = False


@dataclass
class Run:
    """What the loop changes as it goes: the state a checkpoint saves and a resume restores."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    scaler: torch.amp.GradScaler
    position: Position = field(default_factory=Position)
    meter: Meter = field(default_factory=Meter)
    history: list[dict[str, Any]] = field(default_factory=list)
    best_state: dict[str, torch.Tensor] | None = None  # weights of the best evaluation (early stopping)
    eval_logits: np.ndarray | None = None
    best_logits: np.ndarray | None = None

    def restore(self, path: Path, config: TrainConfig, processes: Processes) -> None:
        """Load a checkpoint written by :func:`save_run` with the same settings."""
        checkpoint = load_checkpoint(path)
        if checkpoint.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"{path} was written by another version of the training loop; start afresh")
        check_resumable(
            checkpoint["config"], asdict(config), PLAN_FIELDS, checkpoint["world_size"], processes.world_size
        )
        for name in ("model", "optimizer", "scheduler", "scaler"):
            getattr(self, name).load_state_dict(checkpoint[name])
        self.position = Position(**checkpoint["position"])
        self.history, self.best_state = checkpoint["history"], checkpoint["best_model"]
        mine = checkpoint["process_states"][processes.rank]
        self.meter.load_state(mine["meter"])
        set_rng_state(mine["rng"])

    def finish(self, metric_name: str, resumed_from: str | None) -> TrainResult:
        """Restore the best weights when training stopped early, and report the run."""
        position = self.position
        if position.stopped_early and self.best_state is not None:
            self.model.load_state_dict(self.best_state)
            self.eval_logits = self.best_logits
        return TrainResult(
            history=self.history,
            steps=position.step,
            epochs_completed=position.epoch,
            metric_name=metric_name,
            best_metric=position.best_metric,
            stopped_early=position.stopped_early,
            resumed_from=resumed_from,
            eval_logits=self.eval_logits,
        )


def save_run(run: Run, config: TrainConfig, processes: Processes) -> None:
    """Every process hands its RNG and meter to process 0, which writes one checkpoint file."""
    if config.checkpoint_dir is None:
        return
    started = time.perf_counter()
    process_states = gather({"rng": rng_state(), "meter": run.meter.state()}, processes)
    if processes.is_main:
        folder = Path(config.checkpoint_dir)
        state = {
            "format": CHECKPOINT_FORMAT,
            **{
                name: getattr(run, name).state_dict()
                for name in ("model", "optimizer", "scheduler", "scaler")
            },
            "position": asdict(run.position),
            "history": run.history,
            "best_model": run.best_state,
            "process_states": process_states,
            "config": {**asdict(config), "checkpoint_dir": str(folder)},  # plain types only
            "world_size": processes.world_size,
        }
        save_checkpoint(state, checkpoint_path(folder, run.position.step))
        prune_checkpoints(folder, config.keep_checkpoints)
    if processes.distributed:
        dist.barrier()
    run.meter.pause(time.perf_counter() - started)


def evaluate_run(
    run: Run,
    eval_data: BatchDataset | None,
    loss_fn: LossFn,
    metric: Metric,
    config: TrainConfig,
    processes: Processes,
) -> None:
    """Process 0 evaluates; every process gets the result and the early-stopping decision."""
    last = run.history[-1] if run.history else {}  # an epoch end on an eval_every_steps step: done already
    if last.get("kind") == "eval" and last["step"] == run.position.step:
        return
    started = time.perf_counter()
    result = None
    if processes.is_main and eval_data is not None:
        result, run.eval_logits = evaluate(
            run.model, eval_data, loss_fn, metric, config.eval_batch_size, config.mixed_precision
        )
    result = broadcast(result, processes)
    run.meter.pause(time.perf_counter() - started)
    if result is None:
        return
    position = run.position
    run.history.append({"kind": "eval", "epoch": position.epoch, "step": position.step, **result})
    if metric.improved(result[metric.name], position.best_metric):
        position.best_metric, position.epochs_without_improvement = result[metric.name], 0
        if config.early_stopping_patience is not None:
            run.best_state = {k: v.detach().cpu().clone() for k, v in run.model.state_dict().items()}
            run.best_logits = run.eval_logits
    else:
        position.epochs_without_improvement += 1
    patience = config.early_stopping_patience
    if patience is not None and position.epochs_without_improvement >= patience:
        position.stopped_early = position.finished = True


def train_epoch(
    run: Run,
    ddp_model: nn.Module,
    loader,
    bar,
    loss_fn: LossFn,
    dtype: torch.dtype | None,
    config: TrainConfig,
    processes: Processes,
    on_step: Callable[[dict[str, Any]], None] | None,
    evaluate_now: Callable[[], None],
) -> None:
    """The micro-batches of one epoch (or its rest, after a resume), with evaluations and checkpoints."""
    position = run.position
    ddp_model.train()
    for batch in loader:
        closes_step = (position.batch + 1) % config.grad_accumulation == 0
        # Between the micro-batches of one step, DDP need not average gradients yet.
        sync = nullcontext() if closes_step or not processes.distributed else ddp_model.no_sync()
        with sync:
            loss = forward_backward(ddp_model, batch, loss_fn, run.scaler, dtype, config.grad_accumulation)
        run.meter.add(loss, batch)
        position.batch += 1
        bar.update(1)
        if not closes_step:
            continue
        learning_rate, grad_norm = optimizer_step(
            run.model, run.optimizer, run.scheduler, run.scaler, config.max_grad_norm
        )
        position.step += 1
        if position.step % config.log_every_steps == 0:
            row = run.meter.history_row(position.epoch, position.step, learning_rate, grad_norm, processes)
            run.history.append(row)
            bar.set_postfix(loss=f"{row['loss']:.4f}", lr=f"{learning_rate:.2e}")
        position.finished = config.max_steps is not None and position.step >= config.max_steps
        if on_step is not None:
            on_step({"epoch": position.epoch, "batch": position.batch, "step": position.step})
        if position.finished:
            return
        if config.eval_every_steps and position.step % config.eval_every_steps == 0:
            evaluate_now()
            if position.finished:  # stopped early
                return
        if config.checkpoint_every_steps and position.step % config.checkpoint_every_steps == 0:
            save_run(run, config, processes)


def train(
    model: nn.Module,
    train_data: BatchDataset,
    eval_data: BatchDataset | None = None,
    config: TrainConfig | None = None,
    *,
    loss_fn: LossFn | None = None,
    metric: Metric = ROC_AUC,
    collate: Callable | None = None,
    device: str | torch.device | None = None,
    resume: bool | None = None,
    on_step: Callable[[dict[str, Any]], None] | None = None,
) -> TrainResult:
    """Train ``model`` in place: ``model(**inputs)`` (a batch without labels) gives ``loss_fn``'s logits.

    ``loss_fn(logits, labels)`` defaults to the unweighted binary cross-entropy
    (:mod:`helpers.objectives` has the others); ``metric`` is computed on ``eval_data`` after every
    epoch and drives early stopping. ``collate`` replaces the padding collate (masked-LM masking).
    ``resume``: None resumes from the newest checkpoint in ``config.checkpoint_dir`` when there is one;
    True requires one; False refuses to run over existing checkpoints. ``on_step`` is called after every
    optimizer step with ``{"epoch", "batch", "step"}`` (an exception from it stops training, as a kill
    would). Python, NumPy and torch are seeded with ``config.seed + rank``. Under ``torchrun`` every
    process calls :func:`train` with the same arguments.
    """
    from tqdm import tqdm  # text bars: tqdm.auto would want ipywidgets in a notebook

    config, loss_fn = config or TrainConfig(), loss_fn or binary_loss()
    processes = setup_processes(device)
    seed_everything(config.seed + processes.rank)  # each process gets its own dropout masks
    model.to(processes.device)
    set_dropout(model, config.dropout)
    dtype = resolve_precision(config.mixed_precision, processes.device)
    sampler = make_sampler(train_data, config)
    total_steps = planned_steps(len(train_data), len(sampler), config, processes)
    optimizer = make_optimizer(model, config.learning_rate, config.weight_decay)
    scheduler = make_scheduler(optimizer, round(config.warmup_ratio * total_steps), total_steps)
    scaler = torch.amp.GradScaler(processes.device.type, enabled=dtype == torch.float16)
    run = Run(model, optimizer, scheduler, scaler)
    folder = None if config.checkpoint_dir is None else Path(config.checkpoint_dir)
    found = find_checkpoint(folder, resume, processes)
    if found is not None:
        run.restore(found, config, processes)
    ddp_model = data_parallel(model, processes)
    collate = collate or make_collate(train_data, config.dynamic_padding)
    position = run.position
    evaluate_now = partial(evaluate_run, run, eval_data, loss_fn, metric, config, processes)

    while position.epoch < config.epochs and not position.finished:
        batches = epoch_batches(
            sampler, position.epoch, config.grad_accumulation, processes.rank, processes.world_size
        )
        loader = make_loader(
            train_data,
            batches[position.batch :],
            collate,
            config.num_workers,
            seed=config.seed * 1_000_003 + position.epoch,
        )
        description = f"epoch {position.epoch + 1}/{config.epochs}"
        show = config.progress and processes.is_main
        total = len(batches)
        if config.max_steps is not None:  # bar and name end where the run stops, not at the epoch end
            total = min(total, position.batch + (config.max_steps - position.step) * config.grad_accumulation)
            description = f"epoch {position.epoch + 1}, until step {config.max_steps}"
        with tqdm(total=total, initial=position.batch, desc=description, disable=not show) as bar:
            train_epoch(run, ddp_model, loader, bar, loss_fn, dtype, config, processes, on_step, evaluate_now)
        if config.eval_every_epoch or position.finished:
            evaluate_now()
        if position.batch == len(batches):
            position.epoch, position.batch = position.epoch + 1, 0
        save_run(run, config, processes)

    return run.finish(metric.name, resumed_from=None if found is None else str(found))
