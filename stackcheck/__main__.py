"""`python -m stackcheck` runs the CLI."""

import sys

from stackcheck.cli import main

sys.exit(main())
