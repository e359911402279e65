"""Pages of the riskmap Streamlit app (one module per page) and their shared UI helpers.

``common`` holds every helper shared by the pages (settings, caching, maps, messages);
``i18n`` holds every label of the app in Chinese and English. The analysis itself lives
in :mod:`riskmap`; these modules read widgets, call riskmap and render.
"""
