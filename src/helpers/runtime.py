"""Device, precision, seeding and the setup banner shared by every notebook."""

from __future__ import annotations

import os
import platform
import random
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
import torch

from helpers.netguard import block_network, online_allowed
from helpers.params import check_int, check_name
from helpers.profiles import Profile, resolve_profile
from helpers.run_log import set_notebook

MAX_SEED = 2**32 - 1  # NumPy's legacy seed is an unsigned 32-bit integer
BANNER_PACKAGES = ("torch", "transformers", "tokenizers", "datasets", "accelerate", "scikit-learn", "pandas")


def pick_device(prefer: str | None = None) -> torch.device:
    """CUDA if present, then Apple MPS, then CPU; ``prefer`` forces one (``"cpu"``, ``"cuda"``, ``"mps"``)."""
    if prefer is not None:
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


# oneDNN and ATen can be capped below the hardware (ONEDNN_MAX_CPU_ISA=AVX2, ATEN_CPU_CAPABILITY=avx2)
# to approximate an ordinary laptop on a bigger CPU; under such a cap bf16 is emulated, not native.
_CAPS_WITHOUT_BF16 = {
    "ONEDNN_MAX_CPU_ISA": ("sse41", "avx", "avx2", "avx2_vnni", "avx512_core", "avx512_core_vnni"),
    "ATEN_CPU_CAPABILITY": ("default", "avx2"),
}


@lru_cache(maxsize=1)
def cpu_supports_bf16() -> bool:
    """True when the CPU has native bf16 (AVX512-BF16 or AMX) and no ISA cap in the environment hides it."""
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        return False
    if any(os.environ.get(name, "").strip().lower() in caps for name, caps in _CAPS_WITHOUT_BF16.items()):
        return False
    flags = cpuinfo.read_text(errors="ignore")
    return "avx512_bf16" in flags or "amx_bf16" in flags


def pick_dtype(device: torch.device) -> torch.dtype:
    """The autocast dtype that makes training faster: bf16 on GPUs with it, fp16 on older GPUs, else fp32.

    CPUs get fp32 even with native bf16: on a 2-core Xeon with AVX512-BF16 (2026-11-30), bf16 autocast
    made a MiniLM training step 1.3-2x slower and inference 1.7x slower than fp32; at MiniLM's sizes
    the casts cost more than the faster matrix products gain. ``mixed_precision="bf16"`` still asks for it.
    """
    if device.type == "cuda":
        return torch.bfloat16 if gpu_has_native_bf16(device) else torch.float16
    return torch.float32


def gpu_has_native_bf16(device: torch.device) -> bool:
    """Ampere (compute capability 8) or newer. ``torch.cuda.is_bf16_supported()`` also says yes on a T4
    or V100, which only emulate bf16 (slowly): there fp16 with a gradient scaler is the fast choice."""
    return torch.cuda.get_device_capability(device)[0] >= 8


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch so that the same seed gives the same numbers on CPU."""
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def environment_summary(profile: Profile | None = None) -> dict[str, str]:
    """Library versions, device, threads and profile as a dict (printed by :func:`print_banner`)."""
    device = pick_device()
    summary = {"python": platform.python_version(), "platform": platform.platform()}
    for package in BANNER_PACKAGES:
        try:
            summary[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            summary[package] = "not installed"
    summary["device"] = str(device) + (f" ({torch.cuda.get_device_name()})" if device.type == "cuda" else "")
    summary["autocast dtype"] = str(pick_dtype(device)).replace("torch.", "")
    summary["torch threads"] = str(torch.get_num_threads())
    summary["network"] = "allowed" if online_allowed() else "blocked (offline)"
    if profile is not None:
        summary["profile"] = profile.name
    return summary


def print_banner(profile: Profile | None = None) -> None:
    """Print the environment summary (versions, device, precision, threads, network, profile)."""
    summary = environment_summary(profile)
    width = max(map(len, summary))
    for key, value in summary.items():
        print(f"{key:>{width}} : {value}")


def start(notebook: str, profile: str = "auto", seed: int = 0, banner: bool = True, **overrides) -> Profile:
    """First call of every notebook: offline guard, seeds, metrics file, banner; returns the profile.

    ``overrides`` are the notebook's parameters named like profile fields: ``0`` or ``""`` keeps the
    profile's value, anything else is checked (see :func:`helpers.profiles.resolve_profile`).
    """
    if not online_allowed():
        block_network()
    check_name("notebook", notebook)  # a file name under reports/metrics: checked before set_notebook
    resolved = resolve_profile(profile, **overrides)
    seed_everything(check_int("seed", seed, minimum=0, maximum=MAX_SEED))
    set_notebook(notebook)
    quiet_libraries()
    if banner:
        print_banner(resolved)
    return resolved


def quiet_libraries() -> None:
    """Keep library chatter out of the notebooks: transformers' weight-loading bars and log lines.

    transformers logs at warning level about things a learner cannot act on (a load report of the
    weights a task head adds, tied weights it re-ties); only its errors stay. The workbook's own
    progress bars and warnings are unaffected.
    """
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
