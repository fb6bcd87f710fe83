"""`python -m kerasseq.cli ...`, the same as the `kerasseq` command."""

import sys

from kerasseq.cli import main

sys.exit(main())
