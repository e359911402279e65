"""Helpers shared by the command-line verbs."""

from __future__ import annotations

import sys
from typing import TextIO


def progress(message: str, stream: TextIO | None = None) -> None:
    """Print a progress line to stderr (kept off stdout so output can be piped)."""
    stream = stream or sys.stderr
    print(message, file=stream, flush=True)
