"""`python -m cli ...` is `newsrag ...` (for a checkout without the entry point installed)."""

import sys

from cli.main import main

sys.exit(main())
