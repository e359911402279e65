"""riskmap: urban safety risk assessment and the four-colour electronic risk map.

The library never imports streamlit; the app (app.py) only draws what it returns.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
