"""Run profiles: one word (``"auto"``, ``"cpu"``, ``"gpu"``) that fixes every size a notebook uses.

The CPU profile keeps each notebook within its time budget on a 2-core laptop; the GPU profile
trains on more data with longer sequences. ``"auto"`` picks ``"gpu"`` when CUDA is present.

A notebook parameter named like a profile field overrides it; ``0`` or ``""`` keeps the profile's
value, so every parameter cell can say "0: the profile's". :data:`FIELD_RANGES` holds the values a
field accepts, and :func:`resolve_profile` refuses anything else with a :class:`ParameterError`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from helpers.errors import ParameterError
from helpers.params import check_choice, check_float, check_int, check_str

PROFILE_NAMES = ("auto", "cpu", "gpu")


@dataclass(frozen=True)
class Profile:
    """Concrete sizes for one run."""

    name: str
    n_users: int
    train_examples: int
    test_examples: int
    demo_examples: int  # training examples of each of the several short runs of notebook 04
    real_train_examples: int  # BERT fine-tuning examples per real data set (notebook 05)
    real_test_examples: int  # test examples per real data set, the same for every model
    epochs: int
    max_length: int
    batch_size: int
    eval_batch_size: int
    learning_rate: float
    dropout: float  # of the fine-tuned encoder (TrainConfig.dropout); MiniLM was pretrained with 0.1
    encoder_name: str
    generator_name: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_PROFILES = {
    "cpu": Profile(
        name="cpu",
        n_users=3_000,
        train_examples=3_000,
        test_examples=1_000,
        demo_examples=160,  # notebook 04's demonstrations, sized to show the engine within 4 CPU minutes
        real_train_examples=1_000,
        real_test_examples=1_000,
        epochs=1,
        max_length=256,  # the longest simulated session is ~250 tokens: none is cut
        batch_size=16,
        eval_batch_size=16,  # 2 CPU cores, MiniLM inference: 40 sessions/s in batches of 16, 31 in 64s
        learning_rate=5e-5,
        # One epoch sees each session once, and drawing the masks costs a quarter or more of a CPU step.
        dropout=0.0,
        encoder_name="minilm",
        generator_name="smollm2-135m-instruct",
    ),
    "gpu": Profile(
        name="gpu",
        n_users=30_000,
        train_examples=60_000,
        test_examples=10_000,
        demo_examples=15_000,
        real_train_examples=20_000,
        real_test_examples=5_000,
        epochs=3,
        max_length=512,  # customer histories and real logs run longer than one simulated session
        batch_size=64,
        eval_batch_size=256,
        learning_rate=5e-5,
        dropout=0.1,  # three epochs: each session is seen again
        encoder_name="minilm",
        generator_name="smollm2-135m-instruct",
    ),
}


# (minimum, maximum) of the fields a parameter may override; None is unbounded.
FIELD_RANGES: dict[str, tuple[float | None, float | None]] = {
    "n_users": (10, None),
    "train_examples": (1, None),
    "test_examples": (1, None),
    "demo_examples": (1, None),
    "real_train_examples": (10, None),
    "real_test_examples": (10, None),
    "epochs": (1, 100),
    "max_length": (8, 512),  # BERT-family encoders have 512 positions
    "batch_size": (1, 4096),
    "eval_batch_size": (1, 4096),
    "learning_rate": (1e-7, 1.0),
}


def means_profile_value(value: Any) -> bool:
    """``0``, ``0.0`` and ``""`` in a parameter cell mean "the profile's value"."""
    return not isinstance(value, bool) and value in (0, "")


def _check_field(name: str, value: Any, kind: type) -> Any:
    minimum, maximum = FIELD_RANGES.get(name, (None, None))
    if kind is int:
        return check_int(name, value, minimum, maximum)
    if kind is float:
        return check_float(name, value, minimum, maximum)
    return check_str(name, value)


def resolve_profile(profile: str = "auto", **overrides: Any) -> Profile:
    """Turn a profile name into concrete sizes; ``overrides`` replace single fields.

    Overrides of ``0`` or ``""`` keep the profile's value; others are checked against the field's type
    and :data:`FIELD_RANGES`. ``"gpu"`` without a CUDA device raises at once.

    >>> resolve_profile("cpu", epochs=2, max_length=0).epochs
    2
    """
    check_choice("profile", profile, PROFILE_NAMES)
    import torch

    if profile == "auto":
        profile = "gpu" if torch.cuda.is_available() else "cpu"
    elif profile == "gpu" and not torch.cuda.is_available():
        # The GPU sizes take hours on a CPU: a run that silently fell back would look hung.
        raise ParameterError(
            "parameter 'profile' is 'gpu' but no CUDA device was found (torch.cuda.is_available() is "
            "False); use 'auto' to take the GPU profile when CUDA is present and the CPU profile otherwise, "
            "or 'cpu' for the sizes that fit a 2-core laptop"
        )
    base = _PROFILES[profile]
    unknown = set(overrides) - set(base.as_dict())
    if unknown:
        raise ParameterError(
            f"unknown profile field(s) {sorted(unknown)}; allowed fields: {sorted(base.as_dict())}"
        )
    kinds = {name: type(value) for name, value in base.as_dict().items()}
    checked = {
        name: _check_field(name, value, kinds[name])
        for name, value in overrides.items()
        if not means_profile_value(value)
    }
    return replace(base, **checked)
