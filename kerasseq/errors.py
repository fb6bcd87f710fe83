"""The one exception type the command line reports as a user's mistake.

`kerasseq.cli.main` prints a `UserError` as one line and exits with status
2; any other exception is a bug (or a failure such as a diverging loss) and
keeps its traceback. `UserError` is a `ValueError`, so Python callers that
catch `ValueError` keep working.
"""

import contextlib


class UserError(ValueError):
    """What the user asked for cannot be done: a bad argument, a missing or
    unusable file, data that does not fit. The message says what was wrong
    and what is accepted."""


@contextlib.contextmanager
def checking_user_input():
    """Inside the block, a `ValueError` is the user's input failing a check
    (building a config from arguments, reading their files) and becomes a
    `UserError`."""
    try:
        yield
    except UserError:
        raise
    except ValueError as error:
        raise UserError(str(error)) from error
