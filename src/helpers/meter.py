"""The training history's numbers: loss, samples and tokens per second, padding, peak memory.

:class:`Meter` sums what happens between two history rows and turns the sums into rates. Only the sums
that decide logged numbers are checkpointed (not the clock), so a resumed run logs the same losses as an
uninterrupted one.
"""

from __future__ import annotations

import time

import torch
import torch.distributed as dist

from helpers.devices import Processes, peak_memory


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
        self.samples += len(batch["attention_mask"])
        self.real_tokens += int(batch["attention_mask"].sum())
        self.padded_tokens += batch["attention_mask"].numel()

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

    def history_row(
        self,
        epoch: int,
        step: int,
        learning_rate: float,
        grad_norm: torch.Tensor | None,
        processes: Processes,
    ) -> dict:
        """One ``kind == "train"`` history row for the steps since the last one (and a reset)."""
        row = {"kind": "train", "epoch": epoch, "step": step, "lr": learning_rate, **self.row(processes)}
        if grad_norm is not None:
            row["grad_norm"] = float(grad_norm)
        row["peak_memory_mb"], row["memory_measure"] = peak_memory(processes.device)
        return row
