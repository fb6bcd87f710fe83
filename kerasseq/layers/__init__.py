"""Recurrent cells, sequence layers and stacks, as Keras layers."""

from kerasseq.layers.additive_attention import AdditiveAttention
from kerasseq.layers.attention import BaseAttention
from kerasseq.layers.attention import DotProductAttention
from kerasseq.layers.attention import LearnedScoreAttention
from kerasseq.layers.attention_pooling import AttentionPooling
from kerasseq.layers.attention_registry import attention_names
from kerasseq.layers.attention_registry import get_attention
from kerasseq.layers.deep_rnn import DeepRNN
from kerasseq.layers.gru import GRU
from kerasseq.layers.gru import GRUCell
from kerasseq.layers.lstm import LSTM
from kerasseq.layers.lstm import LSTMCell
from kerasseq.layers.mean_attention import MeanAttention
from kerasseq.layers.multiplicative_attention import MultiplicativeAttention
from kerasseq.layers.position_embedding import PositionEmbedding
from kerasseq.layers.registry import get_recurrent_layer
from kerasseq.layers.registry import recurrent_layer_names
from kerasseq.layers.registry import register_recurrent_layer
from kerasseq.layers.rnn import RNN
from kerasseq.layers.rnn import RecurrentCell
from kerasseq.layers.rnn import RecurrentLayer
from kerasseq.layers.self_attention import SelfAttention
from kerasseq.layers.self_attention import SelfAttentionBlock
from kerasseq.layers.simple_rnn import SimpleRNN
from kerasseq.layers.simple_rnn import SimpleRNNCell
