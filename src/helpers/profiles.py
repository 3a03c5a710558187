"""Run profiles: one word (``"auto"``, ``"cpu"``, ``"gpu"``) that fixes every size a notebook uses.

The CPU profile keeps each notebook within its time budget on a 2-core laptop; the GPU profile
trains on more data with longer sequences. ``"auto"`` picks ``"gpu"`` when CUDA is present.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from helpers.errors import ParameterError
from helpers.params import check_choice

PROFILE_NAMES = ("auto", "cpu", "gpu")


@dataclass(frozen=True)
class Profile:
    """Concrete sizes for one run."""

    name: str
    n_users: int
    train_examples: int
    test_examples: int
    epochs: int
    max_length: int
    batch_size: int
    eval_batch_size: int
    learning_rate: float
    encoder_name: str
    generator_name: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_PROFILES = {
    "cpu": Profile(
        name="cpu",
        n_users=3_000,
        train_examples=3_000,
        test_examples=1_500,
        epochs=1,
        max_length=256,  # the longest simulated session is ~250 tokens: none is cut
        batch_size=16,
        eval_batch_size=64,
        learning_rate=5e-5,
        encoder_name="minilm",
        generator_name="smollm2-135m-instruct",
    ),
    "gpu": Profile(
        name="gpu",
        n_users=30_000,
        train_examples=60_000,
        test_examples=10_000,
        epochs=3,
        max_length=512,  # customer histories and real logs run longer than one simulated session
        batch_size=64,
        eval_batch_size=256,
        learning_rate=5e-5,
        encoder_name="minilm",
        generator_name="smollm2-135m-instruct",
    ),
}


def resolve_profile(profile: str = "auto", **overrides: Any) -> Profile:
    """Turn a profile name into concrete sizes; ``overrides`` replace single fields.

    >>> resolve_profile("cpu", epochs=1).epochs
    1
    """
    check_choice("profile", profile, PROFILE_NAMES)
    if profile == "auto":
        import torch

        profile = "gpu" if torch.cuda.is_available() else "cpu"
    base = _PROFILES[profile]
    unknown = set(overrides) - set(base.as_dict())
    if unknown:
        raise ParameterError(
            f"unknown profile field(s) {sorted(unknown)}; allowed fields: {sorted(base.as_dict())}"
        )
    return replace(base, **overrides)
