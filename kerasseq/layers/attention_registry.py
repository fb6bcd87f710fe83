"""Attention layers by name, for configs and the command line.

`get_attention("scaled_dot")` returns a new
`DotProductAttention(use_scale=True)`; the names are the choices of
`--attention {dot,scaled_dot,multiplicative,additive}`.
"""

from kerasseq.layers import validation
from kerasseq.layers.additive_attention import AdditiveAttention
from kerasseq.layers.attention import DotProductAttention
from kerasseq.layers.multiplicative_attention import MultiplicativeAttention

# name -> (layer class, constructor arguments)
_ATTENTION = {
    "dot": (DotProductAttention, {}),
    "scaled_dot": (DotProductAttention, {"use_scale": True}),
    "multiplicative": (MultiplicativeAttention, {}),
    "additive": (AdditiveAttention, {}),
}


def attention_names():
    """The attention names, in the order of `--attention`."""
    return tuple(_ATTENTION)


def get_attention(name, **kwargs):
    """A new attention layer configured as `name`.

    Args:
        name: One of `attention_names()`.
        **kwargs: Further constructor arguments (`dropout`, `seed`, `units`
            for `"additive"`, ...); they override the preset ones.

    Raises:
        ValueError: `name` is unknown; the message lists the names.

    Example:

    >>> layer = get_attention("scaled_dot", dropout=0.1)
    >>> type(layer).__name__, layer.use_scale
    ('DotProductAttention', True)
    """
    validation.check_choice("attention", name, attention_names())
    layer_class, preset = _ATTENTION[name]
    return layer_class(**{**preset, **kwargs})
