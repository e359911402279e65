"""riskmap's Streamlit app: the electronic risk map and its pages.

Run with ``streamlit run app.py``. The pages live in ``app/pages/`` (one module each);
shared helpers in ``app/common.py`` and every label in ``app/i18n.py``. This
file only sets the page up, draws the language switch and the project choice, and hands
over to the page chosen in the navigation.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:  # `streamlit run` from another folder
    sys.path.insert(0, str(ROOT))

from app import auth, cache, common, state  # noqa: E402
from app.state import t  # noqa: E402

st.set_page_config(layout="wide")  # each page titles the browser tab (st.Page titles)
state.keep_widget_state()

# Page file, title key, URL path, default. No icons: a page's icon becomes the favicon, and
# material icons are fetched from a font CDN (the app must make no outside request).
PAGES = (
    ("app/pages/risk_map.py", "page_map", "map", True),
    ("app/pages/inventory.py", "page_inventory", "inventory", False),
    ("app/pages/data.py", "page_data", "data", False),
    ("app/pages/hazards.py", "page_hazards", "hazards", False),
    ("app/pages/safe_city.py", "page_safecity", "safe-city", False),
    ("app/pages/change.py", "page_change", "change", False),
    ("app/pages/monitoring.py", "page_monitoring", "monitoring", False),
    ("app/pages/method.py", "page_method", "method", False),
)

navigation = st.navigation(
    [
        st.Page(ROOT / path, title=t(key), url_path=url, default=default)
        for path, key, url, default in PAGES
    ]
)
project_file = common.sidebar_common()
auth.sidebar_sign_in(project_file)
auth.require_sign_in(project_file)
navigation.run()
cache.settle_memory()  # once, after the first run that loaded a study
