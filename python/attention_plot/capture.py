"""capture_qkv: the queries, keys and values of a PyTorch model's attention layers, caught with
forward hooks while the model runs once.

Duck typing only (the package imports neither torch nor numpy): a layer is recognised by what
it has, and the tensors are handled with their own methods (``matmul``, ``reshape``,
``transpose``, ``detach``).

- ``nn.MultiheadAttention`` (what ``nn.TransformerEncoderLayer`` and ``nn.Transformer`` use):
  its hook reads the layer's inputs (query, key, value: (B, T, E) with ``batch_first``, else
  (T, B, E); (T, E) unbatched) and projects them as the layer does, with ``in_proj_weight``
  split into W_Q, W_K, W_V (rows 0…E−1, E…2E−1, 2E…3E−1; or ``q_proj_weight`` … when kdim or
  vdim differ from E) and ``in_proj_bias`` likewise: Q = query W_Qᵀ + b_Q.
- Hugging Face attention modules (children ``q_proj``, ``k_proj``, ``v_proj``, each an
  ``nn.Linear``): hooks on the three Linear layers read their outputs, (B, T, H·d_head), and
  reshape them to (B, T, H, d_head). K and V may have fewer heads than Q (grouped-query
  attention). These are the projections *before* any rotary embedding the module applies.

Every tensor comes back as (B, H, T, d_head), detached: Q (B, H, T, d), K and V (B, H_kv, S, d).
"""

import collections

QKV = collections.namedtuple("QKV", "q k v")
QKV.__doc__ = "One attention layer's queries, keys and values, each (B, H, T, d_head)."


def _is_mha(m):
    return hasattr(m, "in_proj_weight") and hasattr(m, "num_heads") and hasattr(m, "embed_dim")


def _is_hf(m):
    return all(hasattr(m, name) for name in ("q_proj", "k_proj", "v_proj"))


def _heads(x, d_head):
    """(B, T, H·d) → (B, H, T, d)."""
    b, t, e = x.shape
    if e % d_head:
        raise ValueError(f"a projection of width {e} does not split into heads of {d_head}")
    return x.reshape(b, t, e // d_head, d_head).transpose(1, 2)


def _mha_qkv(m, args):
    """Q, K, V of an nn.MultiheadAttention called with ``args`` = (query, key, value, …)."""
    if len(args) < 3:
        raise ValueError("capture_qkv: an nn.MultiheadAttention was called with query, key and value as keywords; "
                         "the forward hooks of this PyTorch version see positional arguments only. "
                         "Call it as attn(query, key, value, ...), as nn.TransformerEncoderLayer does.")
    e, h = m.embed_dim, m.num_heads
    d = e // h
    if getattr(m, "_qkv_same_embed_dim", True):
        w = m.in_proj_weight
        weights = (w[:e], w[e:2 * e], w[2 * e:])
    else:
        weights = (m.q_proj_weight, m.k_proj_weight, m.v_proj_weight)
    b = m.in_proj_bias
    biases = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
    out = []
    for x, w, bias in zip(args[:3], weights, biases):
        x = x.detach()
        if x.dim() == 2:                               # unbatched (T, E)
            x = x.unsqueeze(0)
        elif not getattr(m, "batch_first", False):     # (T, B, E) → (B, T, E)
            x = x.transpose(0, 1)
        y = x.matmul(w.detach().t())
        if bias is not None:
            y = y + bias.detach()
        out.append(_heads(y, d))
    return QKV(*out)


def _hf_d_head(m):
    for holder in (m, getattr(m, "config", None)):
        d = getattr(holder, "head_dim", None)
        if isinstance(d, int) and d > 0:
            return d
    for holder in (m, getattr(m, "config", None)):
        for name in ("num_heads", "num_attention_heads", "n_head"):
            h = getattr(holder, name, None)
            if isinstance(h, int) and h > 0:
                return m.q_proj.out_features // h
    raise ValueError(f"capture_qkv: {type(m).__name__} has q_proj, k_proj and v_proj but neither head_dim nor a "
                     "number of heads (num_heads, num_attention_heads, config.num_attention_heads)")


def capture_qkv(model, *args, **kwargs):
    """Run ``model(*args, **kwargs)`` once and return ``{name: QKV(q, k, v)}`` for every
    attention layer in it (``name`` as in ``model.named_modules()``, "" for the model itself),
    each tensor (B, H, T, d_head), detached, on the layer's device.

    Raises ValueError when the model has no attention layer this recognises, or when one of
    them did not run: PyTorch's fast path for nn.TransformerEncoderLayer (eval mode with
    autograd off, ``torch.no_grad()``) skips ``self_attn`` and its hooks, so call this with
    autograd on (the tensors come back detached either way).
    """
    found = {name: m for name, m in model.named_modules() if _is_mha(m) or _is_hf(m)}
    if not found:
        raise ValueError(f"capture_qkv: {type(model).__name__} has no nn.MultiheadAttention and no module with "
                         "q_proj, k_proj and v_proj")
    got, handles = {}, []

    def on_mha(name):
        def hook(m, inputs, output):
            got[name] = _mha_qkv(m, inputs)
        return hook

    def on_linear(name, which):
        def hook(m, inputs, output):
            got.setdefault(name, {})[which] = output.detach()
        return hook

    try:
        for name, m in found.items():
            if _is_mha(m):
                handles.append(m.register_forward_hook(on_mha(name)))
            else:
                for which in "qkv":
                    handles.append(getattr(m, f"{which}_proj").register_forward_hook(on_linear(name, which)))
        model(*args, **kwargs)
    finally:
        for handle in handles:
            handle.remove()

    missing = [name or "(the model)" for name in found if name not in got or (isinstance(got[name], dict) and len(got[name]) < 3)]
    if missing:
        raise ValueError(f"capture_qkv: {', '.join(missing)} did not run. nn.TransformerEncoderLayer skips self_attn "
                         "on its fast path (eval mode under torch.no_grad()); call capture_qkv with autograd on.")
    out = {}
    for name, m in found.items():
        if isinstance(got[name], QKV):
            out[name] = got[name]
        else:
            d = _hf_d_head(m)
            out[name] = QKV(*(_heads(got[name][w], d) for w in "qkv"))
    return out
