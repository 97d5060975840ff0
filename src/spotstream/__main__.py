"""``python -m spotstream``: the command line."""

import sys

from spotstream.cli import main

sys.exit(main())
