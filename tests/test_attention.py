"""Attention from scratch against PyTorch and against the bundled MiniLM (a real 6-layer BERT)."""

from __future__ import annotations

import copy
import math

import pytest
import torch
import torch.nn.functional as F

from helpers.attention import (
    BertLayerFromScratch,
    MultiHeadAttention,
    attention_cost,
    bert_embeddings,
    bert_encoder_from_scratch,
    causal_mask,
    cosine_similarity_matrix,
    gelu,
    is_permutation_equivariant,
    padding_mask,
    scaled_dot_product_attention,
    score_variance_experiment,
    sinusoidal_positions,
)

SENTENCES = ["A red running shoe for trail runners, size 42.", "Gift card"]


@pytest.fixture(scope="module")
def minilm():
    from helpers import load_encoder, load_tokenizer

    model = load_encoder("minilm").eval()
    batch = load_tokenizer("minilm")(SENTENCES, padding=True, return_tensors="pt")
    return model, batch


@pytest.fixture(scope="module")
def bert_run(minilm):
    """Run the real model once, capturing the input and output of layer 0 with a forward hook."""
    model, batch = minilm
    captured = {}

    def hook(module, args, output):
        captured["input"], captured["output"] = args[0], output

    handle = model.encoder.layer[0].register_forward_hook(hook)
    try:
        with torch.no_grad():
            captured["last_hidden_state"] = model(**batch).last_hidden_state
    finally:
        handle.remove()
    return captured


# --- scaled dot-product attention and masks -----------------------------------------------------------


def test_scaled_dot_product_attention_matches_torch():
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 3, 5, 8), torch.randn(2, 3, 7, 8), torch.randn(2, 3, 7, 4)
    output, weights = scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(output, F.scaled_dot_product_attention(q, k, v), atol=1e-6, rtol=0)
    assert weights.shape == (2, 3, 5, 7)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, 5))


def test_scaled_dot_product_attention_on_a_hand_computed_case():
    q = torch.tensor([[1.0, 0.0]])
    k = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    v = torch.tensor([[10.0], [20.0]])
    output, weights = scaled_dot_product_attention(q, k, v)
    first = 1 / (1 + math.exp(-1 / math.sqrt(2)))  # softmax([1/√2, 0])[0]
    torch.testing.assert_close(weights, torch.tensor([[first, 1 - first]]))
    torch.testing.assert_close(output, torch.tensor([[10 * first + 20 * (1 - first)]]))


def test_masks_match_torch_and_block_attention():
    torch.manual_seed(1)
    q = k = v = torch.randn(2, 2, 4, 8)
    attention_mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    for mask in (padding_mask(attention_mask), causal_mask(4)):
        output, weights = scaled_dot_product_attention(q, k, v, mask)
        expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        torch.testing.assert_close(output, expected, atol=1e-6, rtol=0)
        assert torch.all(weights.masked_select(~mask.expand_as(weights)) == 0)


def test_mask_shapes_and_values():
    assert padding_mask(torch.tensor([[1, 0]])).tolist() == [[[[True, False]]]]
    assert causal_mask(3).tolist() == [[True, False, False], [True, True, False], [True, True, True]]
    assert causal_mask(3).dtype == torch.bool


# --- multi-head attention --------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_multi_head_attention_matches_torch_sdpa_on_the_same_projections(dtype):
    torch.manual_seed(2)
    attention = MultiHeadAttention(d_model=32, n_heads=4).to(dtype)
    x = torch.randn(2, 6, 32, dtype=dtype)
    mask = padding_mask(torch.tensor([[1] * 6, [1] * 4 + [0] * 2]))
    output, weights = attention(x, mask)
    q, k, v = attention.project(x)
    heads = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    expected = attention.out_proj(heads.transpose(1, 2).reshape(2, 6, 32))
    torch.testing.assert_close(output, expected, atol=1e-6, rtol=0)
    assert weights.shape == (2, 4, 6, 6)


def test_split_and_merge_heads_are_inverses():
    attention = MultiHeadAttention(d_model=12, n_heads=3)
    x = torch.randn(2, 5, 12)
    assert attention.split_heads(x).shape == (2, 3, 5, 4)
    torch.testing.assert_close(attention.merge_heads(attention.split_heads(x)), x)


def test_multi_head_attention_rejects_indivisible_sizes():
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(d_model=10, n_heads=3)


def test_gelu_is_the_exact_erf_version():
    x = torch.linspace(-5, 5, 101, dtype=torch.float64)
    torch.testing.assert_close(gelu(x), F.gelu(x), atol=1e-12, rtol=0)


# --- BERT from scratch vs the real MiniLM -----------------------------------------------------------------


def test_embeddings_by_hand_match_the_layer_0_input(minilm, bert_run):
    model, batch = minilm
    with torch.no_grad():
        embedded = bert_embeddings(model.embeddings, batch["input_ids"], batch["token_type_ids"])
    assert (embedded - bert_run["input"]).abs().max().item() <= 1e-5


def test_layer_0_matches_the_real_bert_layer(minilm, bert_run):
    model, batch = minilm
    assert batch["attention_mask"].min() == 0, "the batch should contain padding"
    layer = BertLayerFromScratch.from_bert_layer(model.encoder.layer[0])
    with torch.no_grad():
        output = layer(bert_run["input"], padding_mask(batch["attention_mask"]))
    assert (output - bert_run["output"]).abs().max().item() <= 1e-5


def test_real_bert_layer_called_directly_takes_a_boolean_mask(minilm, bert_run):
    """transformers 5: BertLayer (sdpa attention) takes the boolean (batch, 1, q, k) mask of masking_utils."""
    from transformers.masking_utils import create_bidirectional_mask

    model, batch = minilm
    mask = create_bidirectional_mask(
        config=model.config, inputs_embeds=bert_run["input"], attention_mask=batch["attention_mask"]
    )
    assert mask.dtype == torch.bool
    with torch.no_grad():
        direct = model.encoder.layer[0](bert_run["input"], mask)
    torch.testing.assert_close(direct, bert_run["output"], atol=1e-6, rtol=0)


def test_layer_0_in_float64_agrees_to_rounding_error(minilm, bert_run):
    model, batch = minilm
    real = copy.deepcopy(model.encoder.layer[0]).double()
    scratch = BertLayerFromScratch.from_bert_layer(real)
    hidden = bert_run["input"].double()
    with torch.no_grad():
        ours = scratch(hidden, padding_mask(batch["attention_mask"]))
        theirs = real(hidden, padding_mask(batch["attention_mask"]))
    assert scratch.ffn_in.weight.dtype == torch.float64
    assert (ours - theirs).abs().max().item() <= 1e-12


def test_full_encoder_reproduces_last_hidden_state_at_every_position(minilm, bert_run):
    model, batch = minilm
    ours = bert_encoder_from_scratch(
        model, batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]
    )
    difference = (ours - bert_run["last_hidden_state"]).abs()
    real_tokens = batch["attention_mask"].bool()
    assert difference[real_tokens].max().item() <= 1e-5
    # Padding positions attend to the real tokens only, exactly like in the real model, so they agree too.
    assert difference[~real_tokens].max().item() <= 1e-5


def test_full_encoder_defaults_to_no_padding(minilm):
    model, _ = minilm
    input_ids = torch.tensor([[101, 5592, 4003, 102]])
    with torch.no_grad():
        expected = model(input_ids=input_ids).last_hidden_state
    assert (bert_encoder_from_scratch(model, input_ids) - expected).abs().max().item() <= 1e-5


# --- positions, scaling, permutations, similarity ---------------------------------------------------------


def test_sinusoidal_positions_follow_the_formula():
    encoding = sinusoidal_positions(50, 16)
    assert encoding.shape == (50, 16)
    for pos in (0, 7, 49):
        for i in range(8):
            angle = pos / 10000 ** (2 * i / 16)
            assert encoding[pos, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-6)
            assert encoding[pos, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-6)


def test_sinusoidal_dot_products_depend_only_on_the_offset():
    encoding = sinusoidal_positions(64, 32).double()
    for offset in (1, 5):
        dots = (encoding[:-offset] * encoding[offset:]).sum(-1)
        torch.testing.assert_close(dots, dots[0].expand_as(dots), atol=1e-5, rtol=0)


def test_sinusoidal_positions_with_odd_width():
    encoding = sinusoidal_positions(4, 5)
    assert encoding.shape == (4, 5)
    assert encoding[1, 4].item() == pytest.approx(math.sin(1 / 10000 ** (4 / 5)), abs=1e-6)


def test_attention_is_permutation_equivariant_until_positions_are_added():
    torch.manual_seed(3)
    attention = MultiHeadAttention(d_model=16, n_heads=2).eval()
    x = torch.randn(1, 6, 16)
    perm = torch.tensor([3, 0, 5, 1, 4, 2])

    def attend(tokens):
        return attention(tokens)[0]

    def attend_with_positions(tokens):
        return attention(tokens + sinusoidal_positions(tokens.size(-2), 16))[0]

    with torch.no_grad():
        assert is_permutation_equivariant(attend, x, perm)
        assert not is_permutation_equivariant(attend_with_positions, x, perm)
        assert not is_permutation_equivariant(lambda t: attention(t, causal_mask(6))[0], x, perm)


def test_cosine_similarity_matrix():
    embeddings = torch.tensor([[1.0, 0.0], [2.0, 0.0], [0.0, 3.0], [-1.0, 0.0]])
    similarity = cosine_similarity_matrix(embeddings)
    expected = torch.tensor([[1.0, 1, 0, -1], [1, 1, 0, -1], [0, 0, 1, 0], [-1, -1, 0, 1]])
    torch.testing.assert_close(similarity, expected)
    torch.testing.assert_close(similarity, F.cosine_similarity(embeddings[:, None], embeddings[None], dim=-1))


def test_score_variance_grows_with_d_k_and_scaling_fixes_it():
    table = score_variance_experiment(d_values=(4, 64, 512), n_samples=400, seed=0)
    assert list(table["d_k"]) == [4, 64, 512]
    for row in table.itertuples():
        assert row.var_unscaled == pytest.approx(row.d_k, rel=0.15)
        assert row.var_scaled == pytest.approx(1.0, rel=0.15)
        assert row.mean_max_weight_scaled < row.mean_max_weight_unscaled
    assert table["saturated_unscaled"].iloc[-1] > 0.5 > table["saturated_scaled"].iloc[-1]
    assert table.equals(score_variance_experiment(d_values=(4, 64, 512), n_samples=400, seed=0))


def test_attention_cost_reports_quadratic_memory():
    table = attention_cost(seq_lengths=(32, 64), d_model=32, n_heads=2, repeats=2)
    assert list(table.columns) == ["seq_len", "naive_ms", "torch_sdpa_ms", "weights_mb", "peak_mb"]
    assert table["weights_mb"].iloc[0] == 2 * 32 * 32 * 4 / 2**20
    assert table["weights_mb"].iloc[1] == 4 * table["weights_mb"].iloc[0]
    assert (table["naive_ms"] > 0).all() and (table["torch_sdpa_ms"] > 0).all()
    assert table["peak_mb"].isna().all()  # CPU: no peak counter


def test_from_bert_layer_checks_the_activation():
    from transformers import BertConfig
    from transformers.models.bert.modeling_bert import BertLayer

    def tiny_layer(activation: str) -> BertLayer:
        return BertLayer(
            BertConfig(hidden_size=16, num_attention_heads=2, intermediate_size=32, hidden_act=activation)
        )

    assert isinstance(BertLayerFromScratch.from_bert_layer(tiny_layer("gelu")), BertLayerFromScratch)
    with pytest.raises(ValueError, match="GELU"):
        BertLayerFromScratch.from_bert_layer(tiny_layer("gelu_new"))  # the tanh approximation
