"""`python -m stackcheck` runs the CLI."""

import sys

from stackcheck.cli import console_main

sys.exit(console_main())
