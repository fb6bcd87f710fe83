"""Export of trained models: TensorFlow SavedModel and TFLite / LiteRT.

`export_model(model_dir)` writes `model_dir/saved_model/` (raw strings in,
for TensorFlow Serving) and `model_dir/tflite/` (token ids in, built-in
LiteRT operators only, no Flex kernels) for a language model (`lm`), a
classifier (`sentiment`) or a translation model (`seq2seq`). Exporters are looked up by the job
that trained the model; see `kerasseq.export.exporter`.

This package is TensorFlow-only, as export is.
"""

from kerasseq.export import language_model  # noqa: F401  (registers lm)
from kerasseq.export import classifier  # noqa: F401  (registers sentiment)
from kerasseq.export import seq2seq  # noqa: F401  (registers seq2seq)
from kerasseq.export.exporter import Exporter
from kerasseq.export.exporter import ExportOptions
from kerasseq.export.exporter import TrainedModel
from kerasseq.export.exporter import exportable_jobs
from kerasseq.export.exporter import get_exporter
from kerasseq.export.exporter import register_exporter
from kerasseq.export.model_export import export_model
from kerasseq.export.model_export import export_trained
from kerasseq.export.model_export import load_trained_model
from kerasseq.export.step_models import FlatStates
from kerasseq.export.step_models import LanguageModelStep
from kerasseq.export.step_models import Seq2SeqSteps
from kerasseq.export.step_models import frozen_recurrence
from kerasseq.export.verify import ExportCheckError
from kerasseq.export.verify import TFLiteModel
