"""Recurrent cells, sequence layers and stacks, as Keras layers."""

from kerasseq.layers.deep_rnn import DeepRNN
from kerasseq.layers.gru import GRU
from kerasseq.layers.gru import GRUCell
from kerasseq.layers.lstm import LSTM
from kerasseq.layers.lstm import LSTMCell
from kerasseq.layers.registry import get_recurrent_layer
from kerasseq.layers.registry import recurrent_layer_names
from kerasseq.layers.registry import register_recurrent_layer
from kerasseq.layers.rnn import RNN
from kerasseq.layers.rnn import RecurrentCell
from kerasseq.layers.rnn import RecurrentLayer
from kerasseq.layers.simple_rnn import SimpleRNN
from kerasseq.layers.simple_rnn import SimpleRNNCell
