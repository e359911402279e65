"""Shared fixtures. One Playwright instance and one Chromium per test session: a second
``sync_playwright()`` in the same process fails ("Sync API inside the asyncio loop")."""

from __future__ import annotations

from browser_support import browser  # noqa: F401  (a session fixture used by the browser tests)
