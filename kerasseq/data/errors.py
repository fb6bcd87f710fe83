"""The one exception type of `kerasseq.data`."""

from kerasseq.errors import UserError


class CorpusError(UserError):
    """A corpus or data file could not be fetched, found or read.

    The message says what failed and, where the user can fix it by hand, how
    (the command to run, the file to place, the names that are known).
    """
