"""Independent float64 NumPy references of the attention layers.

Written from the equations (Luong et al. 2015; Bahdanau et al. 2015;
Vaswani et al. 2017), not from kerasseq's code, with explicit loops where
the masking is the point. Scores are indexed `[batch, query i, key j]`.
"""

import numpy as np


def dot_scores(query, key, scale=1.0):
    """`scale * <q_i, k_j>`."""
    return scale * np.einsum("bid,bjd->bij", query, key)


def multiplicative_scores(query, key, kernel):
    """`q_i^T W k_j` (Luong "general"), `kernel` `(dim_q, dim_k)`."""
    batch, tq, tv = query.shape[0], query.shape[1], key.shape[1]
    scores = np.zeros((batch, tq, tv))
    for b in range(batch):
        for i in range(tq):
            for j in range(tv):
                scores[b, i, j] = query[b, i] @ kernel @ key[b, j]
    return scores


def additive_scores(query, key, key_kernel, query_kernel, score_kernel):
    """`v^T tanh(W1 k_j + W2 q_i)` (Bahdanau)."""
    batch, tq, tv = query.shape[0], query.shape[1], key.shape[1]
    scores = np.zeros((batch, tq, tv))
    for b in range(batch):
        for i in range(tq):
            for j in range(tv):
                hidden = np.tanh(key[b, j] @ key_kernel + query[b, i] @ query_kernel)
                scores[b, i, j] = score_kernel @ hidden
    return scores


def allowed(batch, tq, tv, value_mask=None, causal=False):
    """Boolean `(batch, Tq, Tv)`: may query `i` look at source `j`."""
    ok = np.ones((batch, tq, tv), bool)
    if value_mask is not None:
        ok &= np.asarray(value_mask, bool)[:, None, :]
    if causal:
        ok &= np.tril(np.ones((tq, tv), bool))[None]
    return ok


def attend(scores, value, query_mask=None, value_mask=None, causal=False):
    """Masked softmax over `j` and the weighted sum of values.

    Masked sources get weight 0; a row with no allowed source gets all-zero
    weights. Outputs at masked queries are zero.

    Returns:
        `(outputs, weights)`.
    """
    batch, tq, tv = scores.shape
    ok = allowed(batch, tq, tv, value_mask, causal)
    weights = np.zeros_like(scores)
    for b in range(batch):
        for i in range(tq):
            keep = ok[b, i]
            if not keep.any():
                continue
            row = scores[b, i, keep]
            e = np.exp(row - row.max())
            weights[b, i, keep] = e / e.sum()
    outputs = weights @ value
    if query_mask is not None:
        outputs = outputs * np.asarray(query_mask, bool)[..., None]
    return outputs, weights


def self_attention(x, weights, mask=None, causal=False):
    """`softmax(Q K^T / sqrt(d)) V`, `weights` `[Wq, bq, Wk, bk, Wv, bv]`."""
    wq, bq, wk, bk, wv, bv = weights
    q, k, v = x @ wq + bq, x @ wk + bk, x @ wv + bv
    scores = dot_scores(q, k, 1.0 / np.sqrt(wq.shape[1]))
    return attend(scores, v, query_mask=mask, value_mask=mask, causal=causal)


def multi_head_self_attention(x, weights, num_heads, mask=None, causal=False):
    """`Concat(head_1..head_h) W^O + b^O`, zero at masked positions.

    `weights` `[Wq, bq, Wk, bk, Wv, bv, Wo, bo]`; head `h` uses the columns
    `h * d ... (h + 1) * d - 1` of `Wq`, `Wk` (`d = key_dim`) and `Wv`
    (`d = value_dim`). Returns `(outputs, weights)` with weights
    `(batch, heads, Tq, Tv)`.
    """
    wq, bq, wk, bk, wv, bv, wo, bo = weights
    key_dim, value_dim = wq.shape[1] // num_heads, wv.shape[1] // num_heads
    heads, head_weights = [], []
    for h in range(num_heads):
        k = slice(h * key_dim, (h + 1) * key_dim)
        v = slice(h * value_dim, (h + 1) * value_dim)
        out, w = self_attention(
            x, [wq[:, k], bq[k], wk[:, k], bk[k], wv[:, v], bv[v]],
            mask=mask, causal=causal,
        )
        heads.append(out)
        head_weights.append(w)
    outputs = np.concatenate(heads, axis=-1) @ wo + bo
    if mask is not None:
        outputs = outputs * np.asarray(mask, bool)[..., None]
    return outputs, np.stack(head_weights, axis=1)


def layer_norm(x, gamma, beta, epsilon):
    mean = x.mean(axis=-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta


def feedforward(x, w1, b1, w2, b2):
    """`W2 ReLU(W1 x + b1) + b2`."""
    return np.maximum(x @ w1 + b1, 0.0) @ w2 + b2


def self_attention_block(
    x, attention_weights, ffn_weights, norms=None, residual=True,
    norm_first=False, epsilon=1e-5, mask=None, causal=False, num_heads=1,
):
    """Transformer block; `norms` `[(gamma, beta)] * 2` or `None` (no norm);
    `num_heads > 1` adds the output projection to `attention_weights`."""

    def attention(h):
        if num_heads == 1:
            return self_attention(h, attention_weights, mask, causal)[0]
        return multi_head_self_attention(
            h, attention_weights, num_heads, mask, causal)[0]

    def sublayer(x, function, norm):
        y = function(layer_norm(x, *norm, epsilon) if norm and norm_first else x)
        if residual:
            y = x + y
        if norm and not norm_first:
            y = layer_norm(y, *norm, epsilon)
        return y

    norms = norms or [None, None]
    x = sublayer(x, attention, norms[0])
    return sublayer(x, lambda h: feedforward(h, *ffn_weights), norms[1])
