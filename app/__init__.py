"""The riskmap Streamlit app (``streamlit run app.py``).

``pages/`` holds one module a page; ``state`` the typed settings kept in session state;
``cache`` the cached :class:`riskmap.Study` pipeline every page draws from;
``components/map.py`` everything that knows streamlit-folium; ``common`` the UI helpers
(messages, tables, labels); ``i18n`` the app's labels in Chinese and English (shared
labels come from riskmap's catalogue). The analysis itself lives in :mod:`riskmap`: these
modules read widgets, call riskmap and render.
"""
