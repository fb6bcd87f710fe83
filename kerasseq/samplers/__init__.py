"""Decoding strategies for text generation and Seq2Seq decoding.

Every sampler is called as `sampler(next_fn, start_tokens, state,
max_length, end_token_id=None, pad_token_id=0)`; see `Sampler`. They are
looked up by name with `get_sampler("greedy" | "random" | "top_k" | "top_p"
| "beam", **kwargs)`.
"""

from kerasseq.samplers.beam_sampler import BeamSampler
from kerasseq.samplers.greedy_sampler import GreedySampler
from kerasseq.samplers.random_sampler import RandomSampler
from kerasseq.samplers.sampler import Sampler
from kerasseq.samplers.sampler import get_sampler
from kerasseq.samplers.sampler import never_emit
from kerasseq.samplers.sampler import register_sampler
from kerasseq.samplers.sampler import sampler_from_options
from kerasseq.samplers.sampler import sampler_names
from kerasseq.samplers.top_k_sampler import TopKSampler
from kerasseq.samplers.top_p_sampler import TopPSampler
