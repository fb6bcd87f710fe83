"""Generated long-memory tasks from the RNN literature, as `tf.data` streams."""

from kerasseq.tasks.adding import ADDING_BASELINE_MSE
from kerasseq.tasks.adding import adding_dataset
from kerasseq.tasks.adding import adding_problem
from kerasseq.tasks.copying import COPY_VOCAB_SIZE
from kerasseq.tasks.copying import copying_baseline_loss
from kerasseq.tasks.copying import copying_dataset
