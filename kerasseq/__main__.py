import sys

from kerasseq.cli import main

sys.exit(main())
