"""Which events of a session made the predictor say "will buy"? Attributions, checked against the truth.

* :func:`integrated_gradients` (Captum): the logit's change from a baseline text (every word piece
  replaced by ``[PAD]``, ``[CLS]`` and ``[SEP]`` kept) to the real one, split over the word pieces by
  integrating the gradient along the straight path between their embeddings. The pieces' scores add
  up to the logit difference (up to the integral's approximation error, the *convergence delta*,
  which it returns beside that difference, its scale).
* :func:`attention_rollout` (Abnar & Zuidema, 2020): multiply the layers' head-averaged attention
  maps, each mixed half-and-half with the identity for the residual connection, and average the
  rows the pooled vector averages. It says where information flowed, not what it did to the logit.
* :func:`occlusion_scores`: the logit change when one event's clause is deleted from the text: the
  question "would the prediction change without this event?" asked directly, one forward pass per event.
* :func:`driver_events`: the **ground truth**. The simulator's oracle (:mod:`helpers.sim.oracle`) is a
  sum of terms, each computed from some events; an event is a *driver* of its session when it feeds a
  term that is active (non-zero) there. For example, in a session whose cart is kept, the add-to-cart
  of the kept product feeds ``cart_kept``, the views of the *cart product* feed ``log_cart_dwell``, and
  the first four views after the last add feed ``views_after_cart``; a review read of a 3.8-star product
  feeds no term, so it is not a driver. The cart product is the oracle's: the product of the session's
  last add-to-cart, even when another product is the one kept.
* :func:`driver_hit_rate`: the share of a method's top-``k`` events that are drivers, with ``k`` the
  session's number of drivers. Ranking the events at random hits ``drivers / events`` on average,
  the bar to beat.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from helpers.behaviour_text import SEPARATOR, event_clauses
from helpers.sim.oracle import last_add_to_cart, oracle_features


def driver_events(events: pd.DataFrame, catalog: pd.DataFrame) -> pd.Series:
    """True for every event that feeds an active term of its session's oracle logit (module docstring)."""
    ev = events
    active = oracle_features(ev, catalog) != 0
    sid = ev["session_id"].to_numpy()

    def on(term: str) -> np.ndarray:
        return active[term].reindex(sid).to_numpy()

    kind, event = ev["query_kind"].to_numpy(), ev["event"].to_numpy()
    search = event == "search"
    delta = np.select([event == "add_to_cart", event == "remove_from_cart"], [1, -1], 0)
    net = pd.Series(delta).groupby([sid, ev["product_id"].to_numpy()]).transform("sum").to_numpy()
    cart_event = (event == "add_to_cart") | (event == "remove_from_cart")
    kept_product = cart_event & (net > 0)
    last_add, cart_product = _last_add(ev)
    rating = catalog.set_index("product_id")["avg_rating"].reindex(ev["product_id"]).to_numpy()
    view_after_cart = (event == "view") & (ev["step"].to_numpy() > last_add)
    views_before = (
        pd.Series(view_after_cart.astype(int)).groupby(sid).cumsum().to_numpy()
    )  # the oracle counts 4
    reads = event == "read_reviews"
    price_query = search & np.isin(kind, ["budget", "deal"])
    drivers = (
        (search & (kind == "specific") & on("specific_query"))
        | (search & ev["has_intent"].to_numpy(dtype=bool) & on("intent_words"))
        | (search & (kind == "informational") & on("informational_query"))
        | (search & (kind == "gift") & on("gift_query"))
        | (search & (kind == "comparison") & on("comparison_no_cart"))
        | (kept_product & on("cart_kept"))
        | (cart_event & on("cart_abandoned"))
        | (view_after_cart & (views_before <= 4) & (on("views_after_cart") > 0))
        | (search & (ev["query_budget"].to_numpy() > 0) & (on("over_budget") | on("within_budget")))
        | (reads & (rating < 3.0) & on("negative_reviews_read"))
        | (reads & (rating >= 4.3) & on("positive_reviews_read"))
        | ((event == "apply_coupon") & (on("coupon_price_sensitive") | on("coupon_other")))
        | (price_query & on("coupon_price_sensitive"))
        | (search & (ev["query_brand"].to_numpy() != "") & on("brand_match"))
        | ((event == "view") & (ev["product_id"].to_numpy() == cart_product) & on("log_cart_dwell"))
    )
    return pd.Series(drivers, index=ev.index, name="driver")


def _last_add(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per event: the step and the product of its session's last add-to-cart (-1 in a session without
    one), by the oracle's own rule (:func:`helpers.sim.oracle.last_add_to_cart`)."""
    last = last_add_to_cart(events)
    sid = events["session_id"].to_numpy()
    step = last["step"].reindex(sid, fill_value=-1).to_numpy()
    return step, last["product_id"].reindex(sid, fill_value=-1).to_numpy()


def event_spans(session_events: pd.DataFrame, catalog: pd.DataFrame) -> tuple[str, list[tuple[int, int]]]:
    """The text of one session (as :func:`helpers.behaviour_text.sessions_to_text` writes it, uncut) and
    the character span of each event's clause in it, in event order."""
    clauses = event_clauses(session_events, catalog).tolist()
    spans, start = [], 0
    for clause in clauses:
        spans.append((start, start + len(clause)))
        start += len(clause) + len(SEPARATOR)
    return SEPARATOR.join(clauses), spans


def _encode(tokenizer, text: str, max_length: int, model):
    encoded = tokenizer(
        text, truncation=True, max_length=max_length, return_offsets_mapping=True, return_tensors="pt"
    )
    offsets = [(int(start), int(end)) for start, end in encoded.pop("offset_mapping")[0].tolist()]
    encoded.pop("token_type_ids", None)
    device = next(model.parameters()).device
    return {name: tensor.to(device) for name, tensor in encoded.items()}, offsets


def integrated_gradients(
    model, tokenizer, text: str, n_steps: int = 16, max_length: int = 256
) -> tuple[np.ndarray, list[tuple[int, int]], float, float]:
    """Integrated-gradients score of every token of ``text`` for the predictor's logit.

    Returns ``(scores, offsets, delta, change)``: one score per token (summed over the embedding
    dimensions), each token's character span (``(0, 0)`` for special tokens), the convergence delta
    (the completeness error: ``|scores' sum - change|``) and ``change``, the logit difference
    ``f(text) - f(baseline)`` the scores should add up to. ``delta / |change|`` is the error's scale.
    """
    from captum.attr import LayerIntegratedGradients

    encoded, offsets = _encode(tokenizer, text, max_length, model)
    ids, mask = encoded["input_ids"], encoded["attention_mask"]
    special = torch.tensor([start == end for start, end in offsets], device=ids.device)
    baseline = torch.where(special, ids, torch.full_like(ids, tokenizer.pad_token_id))

    def logit(input_ids, attention_mask):
        return model(input_ids=input_ids, attention_mask=attention_mask)

    model.eval()
    ig = LayerIntegratedGradients(logit, model.encoder.embeddings)
    attributions, delta = ig.attribute(
        ids,
        baselines=baseline,
        additional_forward_args=(mask,),
        n_steps=n_steps,
        internal_batch_size=n_steps,
        return_convergence_delta=True,
    )
    with torch.no_grad():
        change = (logit(ids, mask) - logit(baseline, mask)).float().item()
    scores = attributions.sum(-1)[0].detach().float().cpu().numpy()
    return scores, offsets, float(delta.abs().item()), float(change)


def attention_rollout(
    model, tokenizer, text: str, max_length: int = 256
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Attention-rollout score of every token for a mean-pooling predictor; returns ``(scores, offsets)``."""
    encoded, offsets = _encode(tokenizer, text, max_length, model)
    encoder = model.encoder
    previous = encoder.config._attn_implementation
    encoder.set_attn_implementation("eager")  # the fused kernel returns no attention weights
    try:
        with torch.no_grad():
            attentions = encoder(**encoded, output_attentions=True).attentions
    finally:
        encoder.set_attn_implementation(previous)
    n = encoded["input_ids"].shape[1]
    identity = torch.eye(n, device=attentions[0].device)
    rollout = identity
    for layer in attentions:
        mixed = 0.5 * layer[0].float().mean(0) + 0.5 * identity
        rollout = (mixed / mixed.sum(-1, keepdim=True)) @ rollout
    return rollout.mean(0).cpu().numpy(), offsets


def occlusion_scores(
    model, tokenizer, text: str, spans: list[tuple[int, int]], max_length: int = 256
) -> np.ndarray:
    """Per event: the predictor's logit for the whole session minus its logit with that event's clause
    removed (a positive score: the event raised the predicted purchase odds)."""
    clauses = [text[start:end] for start, end in spans]
    variants = [SEPARATOR.join(clauses[:i] + clauses[i + 1 :]) for i in range(len(clauses))]
    encoded = tokenizer(
        [text, *variants], padding=True, truncation=True, max_length=max_length, return_tensors="pt"
    )
    device = next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        logits = model(
            input_ids=encoded["input_ids"].to(device), attention_mask=encoded["attention_mask"].to(device)
        )
    logits = logits.float().cpu()
    return (logits[0] - logits[1:]).numpy()


def event_scores(
    token_scores: np.ndarray, offsets: list[tuple[int, int]], spans: list[tuple[int, int]]
) -> np.ndarray:
    """Sum the token scores inside each event's character span (tokens between clauses count for none)."""
    starts = np.array([start for start, end in offsets])
    real = np.array([end > start for start, end in offsets])
    return np.array([token_scores[real & (starts >= a) & (starts < b)].sum() for a, b in spans])


def driver_hit_rate(scores: np.ndarray, drivers: np.ndarray, k: int | None = None) -> float:
    """Share of the ``k`` events with the largest ``|score|`` that are drivers.

    ``k=None`` takes as many events as the session has drivers (a perfect method then scores 1, and
    random ranking ``drivers / events`` on average, whatever the number of drivers).
    """
    scores, drivers = np.asarray(scores, dtype=float), np.asarray(drivers, dtype=bool)
    if len(scores) != len(drivers) or not drivers.any():
        raise ValueError("scores and drivers need one entry per event, and at least one driver")
    k = int(drivers.sum()) if k is None else k
    top = np.argsort(-np.abs(scores), kind="stable")[: min(k, len(scores))]
    return float(drivers[top].mean())
