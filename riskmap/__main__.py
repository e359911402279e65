"""``python -m riskmap``: see :mod:`riskmap.cli.main`."""

from __future__ import annotations

import sys

from riskmap.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
