"""Attention from scratch: the maths of the attention lesson, small enough to read in one sitting.

Shapes follow one convention throughout: ``(batch, heads, seq, d_head)`` for per-head tensors and
``(batch, seq, d_model)`` for hidden states. Masks are boolean and mean "may attend" (``True``), the
same convention as :func:`torch.nn.functional.scaled_dot_product_attention`.

The BERT part rebuilds a real encoder layer by layer (embeddings, self-attention, residuals,
LayerNorm, GELU feed-forward) and copies the weights of a ``transformers`` ``BertModel`` into it, so
that the notebook can show the from-scratch code reproducing ``last_hidden_state``. It is for
inference only: dropout is left out because it does nothing in ``eval()`` mode.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

# ---------------------------------------------------------------------------------------------------------
# Scaled dot-product attention and masks
# ---------------------------------------------------------------------------------------------------------


def scaled_dot_product_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V; returns ``(output, weights)``.

    ``q``: (..., n_q, d_k), ``k``: (..., n_k, d_k), ``v``: (..., n_k, d_v). ``mask`` is boolean and
    broadcastable to (..., n_q, n_k): ``True`` where query i may attend to key j. Masked scores are set
    to -inf before the softmax, so they get weight exactly 0. A query row with every key masked has no
    defined softmax and comes out as NaN.
    """
    d_k = q.size(-1)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_k)  # (..., n_q, n_k)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(dim=-1)  # each row sums to 1
    return weights @ v, weights


def padding_mask(attention_mask: torch.Tensor) -> torch.Tensor:
    """Tokenizer ``attention_mask`` (batch, seq) of 1 = token, 0 = pad -> boolean (batch, 1, 1, seq).

    The two singleton axes broadcast over heads and queries: every query may attend to every real
    token and to no padding token.
    """
    return attention_mask.bool()[:, None, None, :]


def causal_mask(n: int, device: torch.device | str | None = None) -> torch.Tensor:
    """Boolean (n, n) lower-triangular mask: query i may attend to keys j ≤ i (no peeking ahead)."""
    return torch.ones(n, n, dtype=torch.bool, device=device).tril()


# ---------------------------------------------------------------------------------------------------------
# Multi-head attention
# ---------------------------------------------------------------------------------------------------------


class MultiHeadAttention(nn.Module):
    """Multi-head attention from scratch.

    head_h = Attention(X W_q^h, X W_k^h, X W_v^h) for h = 1..H, each of size d_head = d_model / H;
    MultiHead(X) = Concat(head_1, ..., head_H) W_o. The H projections of size d_head are computed at
    once as one d_model × d_model linear layer and then split into heads.
    """

    def __init__(self, d_model: int, n_heads: int, bias: bool = True) -> None:
        super().__init__()
        if d_model % n_heads != 0:
            raise ValueError(f"d_model={d_model} is not divisible by n_heads={n_heads}")
        self.d_model = d_model
        self.n_heads = n_heads
        self.d_head = d_model // n_heads
        self.q_proj = nn.Linear(d_model, d_model, bias=bias)
        self.k_proj = nn.Linear(d_model, d_model, bias=bias)
        self.v_proj = nn.Linear(d_model, d_model, bias=bias)
        self.out_proj = nn.Linear(d_model, d_model, bias=bias)

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, seq, d_model) -> (batch, heads, seq, d_head)."""
        batch, seq, _ = x.shape
        return x.view(batch, seq, self.n_heads, self.d_head).transpose(1, 2)

    def merge_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, heads, seq, d_head) -> (batch, seq, d_model): the concatenation of the heads."""
        batch, _, seq, _ = x.shape
        return x.transpose(1, 2).reshape(batch, seq, self.d_model)

    def project(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Queries, keys and values of ``x``, already split into heads."""
        q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)
        return self.split_heads(q), self.split_heads(k), self.split_heads(v)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Self-attention over ``x`` (batch, seq, d_model).

        Returns the output (batch, seq, d_model) and the weights (batch, heads, seq, seq).
        """
        q, k, v = self.project(x)
        heads, weights = scaled_dot_product_attention(q, k, v, mask)
        return self.out_proj(self.merge_heads(heads)), weights


# ---------------------------------------------------------------------------------------------------------
# A BERT encoder layer from scratch
# ---------------------------------------------------------------------------------------------------------


def gelu(x: torch.Tensor) -> torch.Tensor:
    """Exact GELU(x) = x · Φ(x) = ½ x (1 + erf(x / √2)), the activation of BERT's feed-forward block."""
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


class BertLayerFromScratch(nn.Module):
    """One post-LayerNorm BERT encoder layer.

    h = LayerNorm(x + MultiHeadAttention(x))     # self-attention sub-layer with a residual connection
    y = LayerNorm(h + W₂ GELU(W₁ h + b₁) + b₂)   # position-wise feed-forward sub-layer, also residual
    """

    def __init__(self, d_model: int, n_heads: int, d_ff: int, eps: float = 1e-12) -> None:
        super().__init__()
        self.attention = MultiHeadAttention(d_model, n_heads)
        self.attention_norm = nn.LayerNorm(d_model, eps=eps)
        self.ffn_in = nn.Linear(d_model, d_ff)
        self.ffn_out = nn.Linear(d_ff, d_model)
        self.output_norm = nn.LayerNorm(d_model, eps=eps)

    def forward(self, hidden: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """``hidden`` (batch, seq, d_model); ``mask`` boolean, e.g. from :func:`padding_mask`."""
        attended, _ = self.attention(hidden, mask)
        hidden = self.attention_norm(hidden + attended)
        feed_forward = self.ffn_out(gelu(self.ffn_in(hidden)))
        return self.output_norm(hidden + feed_forward)

    @classmethod
    def from_bert_layer(cls, layer: nn.Module) -> BertLayerFromScratch:
        """A copy of a ``transformers`` ``BertLayer``: same sizes, same weights, same dtype and device."""
        self_attention = layer.attention.self
        reference = self_attention.query.weight
        probe = torch.linspace(-3, 3, 13, dtype=reference.dtype, device=reference.device)
        if not torch.allclose(layer.intermediate.intermediate_act_fn(probe), gelu(probe), atol=1e-5):
            raise ValueError("this layer's feed-forward activation is not the exact (erf) GELU")
        scratch = cls(
            d_model=self_attention.query.in_features,
            n_heads=self_attention.num_attention_heads,
            d_ff=layer.intermediate.dense.out_features,
            eps=layer.attention.output.LayerNorm.eps,
        ).to(dtype=reference.dtype, device=reference.device)
        pairs = [
            (scratch.attention.q_proj, self_attention.query),
            (scratch.attention.k_proj, self_attention.key),
            (scratch.attention.v_proj, self_attention.value),
            (scratch.attention.out_proj, layer.attention.output.dense),
            (scratch.attention_norm, layer.attention.output.LayerNorm),
            (scratch.ffn_in, layer.intermediate.dense),
            (scratch.ffn_out, layer.output.dense),
            (scratch.output_norm, layer.output.LayerNorm),
        ]
        for target, source in pairs:
            copy_weights(target, source)
        return scratch.eval()


def copy_weights(target: nn.Module, source: nn.Module) -> None:
    """Copy ``weight`` and ``bias`` of a Linear or LayerNorm into a module of the same shape."""
    with torch.no_grad():
        for name in ("weight", "bias"):
            getattr(target, name).copy_(getattr(source, name))


def bert_embeddings(
    embeddings: nn.Module, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None = None
) -> torch.Tensor:
    """BERT's input representation, by hand from the weights of ``model.embeddings``.

    x_i = LayerNorm(E_word[token_i] + E_position[i] + E_segment[type_i]). All three are learned
    lookup tables (BERT learns its positions instead of using :func:`sinusoidal_positions`).
    """
    seq = input_ids.size(1)
    if token_type_ids is None:
        token_type_ids = torch.zeros_like(input_ids)
    positions = torch.arange(seq, device=input_ids.device)
    summed = (
        embeddings.word_embeddings.weight[input_ids]
        + embeddings.position_embeddings.weight[positions]
        + embeddings.token_type_embeddings.weight[token_type_ids]
    )
    norm = embeddings.LayerNorm
    return F.layer_norm(summed, norm.normalized_shape, norm.weight, norm.bias, norm.eps)


@torch.no_grad()
def bert_encoder_from_scratch(
    model: nn.Module,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor | None = None,
    token_type_ids: torch.Tensor | None = None,
    layers: Sequence[BertLayerFromScratch] | None = None,
) -> torch.Tensor:
    """Rebuild a ``BertModel``'s ``last_hidden_state`` from its weights: embeddings, then every layer.

    ``layers`` lets a caller reuse layers already built with :meth:`BertLayerFromScratch.from_bert_layer`;
    by default they are built (copied) from ``model.encoder.layer`` on each call.
    """
    if getattr(model.config, "position_embedding_type", "absolute") != "absolute" or model.config.is_decoder:
        raise ValueError("only encoders with absolute (learned) position embeddings are rebuilt here")
    if layers is None:
        layers = [BertLayerFromScratch.from_bert_layer(layer) for layer in model.encoder.layer]
    if attention_mask is None:
        attention_mask = torch.ones_like(input_ids)
    mask = padding_mask(attention_mask)
    hidden = bert_embeddings(model.embeddings, input_ids, token_type_ids)
    for layer in layers:
        hidden = layer(hidden, mask)
    return hidden


# ---------------------------------------------------------------------------------------------------------
# Positions, scaling and permutation experiments
# ---------------------------------------------------------------------------------------------------------


def sinusoidal_positions(n_positions: int, d_model: int) -> torch.Tensor:
    """Fixed position encodings of Vaswani et al. (2017), shape (n_positions, d_model).

    PE[pos, 2i] = sin(pos / 10000^(2i / d_model)) and PE[pos, 2i + 1] = cos(pos / 10000^(2i / d_model)):
    each pair of columns is a clock turning at its own frequency, from 1 radian per position down to
    1 / 10000.
    """
    positions = torch.arange(n_positions, dtype=torch.float64).unsqueeze(1)  # (n, 1)
    even_columns = torch.arange(0, d_model, 2, dtype=torch.float64)  # 2i
    angles = positions / 10000 ** (even_columns / d_model)  # (n, ceil(d/2))
    encoding = torch.zeros(n_positions, d_model, dtype=torch.float64)
    encoding[:, 0::2] = torch.sin(angles)
    encoding[:, 1::2] = torch.cos(angles[:, : d_model // 2])
    return encoding.float()


def is_permutation_equivariant(
    attn_fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, perm: torch.Tensor, atol: float = 1e-5
) -> bool:
    """True if f(P x) = P f(x): shuffling the tokens only shuffles the outputs the same way.

    ``x`` has its sequence on axis -2 (``(seq, d)`` or ``(batch, seq, d)``); ``perm`` is a permutation
    of the positions. Self-attention without position information passes this test: it sees a *set*
    of tokens, not a sequence.
    """
    permuted_then_attended = attn_fn(x.index_select(-2, perm))
    attended_then_permuted = attn_fn(x).index_select(-2, perm)
    return torch.allclose(permuted_then_attended, attended_then_permuted, atol=atol)


def cosine_similarity_matrix(embeddings: torch.Tensor) -> torch.Tensor:
    """(n, d) -> (n, n) matrix of cos(e_i, e_j) = e_i · e_j / (‖e_i‖ ‖e_j‖)."""
    unit = F.normalize(embeddings, dim=-1)
    return unit @ unit.transpose(-2, -1)


def score_variance_experiment(
    d_values: Sequence[int] = (4, 16, 64, 256, 1024),
    n_samples: int = 1000,
    seed: int = 0,
    n_keys: int = 16,
    saturation_threshold: float = 0.99,
) -> pd.DataFrame:
    """Why divide by √d_k: with q, k ~ N(0, I_d), Var(q · k) = d_k grows with the dimension.

    For each d_k, draws ``n_samples`` queries each with ``n_keys`` keys and reports, unscaled and
    scaled by 1/√d_k:

    * ``var_*``: the variance of the scores (≈ d_k unscaled, ≈ 1 scaled);
    * ``mean_max_weight_*``: the mean over rows of the largest softmax weight (1 / n_keys = uniform,
      1 = all weight on one key);
    * ``saturated_*``: the fraction of rows whose largest weight exceeds ``saturation_threshold``; such
      a softmax is nearly one-hot and passes almost no gradient to the other keys.
    """
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for d_k in d_values:
        q = torch.randn(n_samples, 1, d_k, generator=generator)
        k = torch.randn(n_samples, n_keys, d_k, generator=generator)
        unscaled = (q @ k.transpose(-2, -1)).squeeze(1)  # (n_samples, n_keys)
        row = {"d_k": d_k}
        for label, scores in (("unscaled", unscaled), ("scaled", unscaled / math.sqrt(d_k))):
            max_weight = scores.softmax(dim=-1).max(dim=-1).values
            row[f"var_{label}"] = scores.var().item()
            row[f"mean_max_weight_{label}"] = max_weight.mean().item()
            row[f"saturated_{label}"] = (max_weight > saturation_threshold).float().mean().item()
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------------
# Cost of attention as the sequence grows
# ---------------------------------------------------------------------------------------------------------


def attention_cost(
    seq_lengths: Sequence[int] = (128, 256, 512, 1024, 2048),
    d_model: int = 256,
    n_heads: int = 4,
    repeats: int = 5,
    batch_size: int = 1,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> pd.DataFrame:
    """Time and memory of one self-attention call as the sequence length n grows.

    Columns per n:

    * ``naive_ms`` / ``torch_sdpa_ms``: median wall time over ``repeats`` of
      :func:`scaled_dot_product_attention` and of PyTorch's fused ``F.scaled_dot_product_attention``
      (which may avoid storing the n × n matrix);
    * ``weights_mb``: size of the attention-weights tensor the naive version stores, computed analytically
      as batch × heads × n² × bytes per element;
    * ``peak_mb``: peak memory measured by ``torch.cuda.max_memory_allocated`` on CUDA. On CPU it is NaN:
      PyTorch's CPU allocator has no peak counter and ``tracemalloc`` does not see tensor memory.

    Projections are excluded: the timed part is softmax(QKᵀ/√d)V on random per-head Q, K, V.
    """
    device = torch.device(device)
    shapes = [(batch_size, n_heads, n, d_model // n_heads) for n in seq_lengths]
    return pd.DataFrame([_attention_cost_row(shape, repeats, device, dtype) for shape in shapes])


def _attention_cost_row(
    shape: tuple[int, int, int, int], repeats: int, device: torch.device, dtype: torch.dtype
) -> dict[str, float]:
    """One row of :func:`attention_cost` for per-head Q, K, V of ``shape`` (batch, heads, n, d_head)."""
    batch_size, n_heads, n, _ = shape
    q, k, v = (torch.randn(shape, device=device, dtype=dtype) for _ in range(3))
    weights_bytes = batch_size * n_heads * n * n * q.element_size()
    return {
        "seq_len": n,
        "naive_ms": _median_ms(lambda: scaled_dot_product_attention(q, k, v), repeats, device),
        "torch_sdpa_ms": _median_ms(lambda: F.scaled_dot_product_attention(q, k, v), repeats, device),
        "weights_mb": weights_bytes / 2**20,
        "peak_mb": _cuda_peak_mb(lambda: scaled_dot_product_attention(q, k, v), device),
    }


def _median_ms(fn: Callable[[], object], repeats: int, device: torch.device) -> float:
    """Median wall time of ``fn()`` in milliseconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        _synchronize(device)
        started = time.perf_counter()
        fn()
        _synchronize(device)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _cuda_peak_mb(fn: Callable[[], object], device: torch.device) -> float:
    """Extra peak CUDA memory of ``fn()`` over what was allocated before it, in MiB; NaN off CUDA."""
    if device.type != "cuda":
        return float("nan")
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    before = torch.cuda.memory_allocated(device)
    fn()
    torch.cuda.synchronize(device)
    return (torch.cuda.max_memory_allocated(device) - before) / 2**20


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
