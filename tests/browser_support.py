"""Shared test support: headless Debian Chromium (Playwright), a local HTTP server, and
synthetic scored cells / project data for map tests.

The ``browser`` session fixture is provided to every test module by tests/conftest.py
(a session fixture; the test is skipped, with the reason, when Debian's ``chromium`` is
not installed). Playwright's own browser download is not used.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Launch arguments: no sandbox (containers), and no background requests of Chromium's own."""

OUTPUT_DIR = Path(__file__).resolve().parent.parent / "test-output"
"""Screenshots and other test artefacts (git-ignored)."""


def chromium_path() -> str | None:
    """Path of Debian's chromium, or None when it is not installed."""
    return shutil.which("chromium")


def launch_chromium(playwright: Any) -> Any:
    """Launch headless Debian Chromium with :data:`CHROMIUM_ARGS`."""
    path = chromium_path()
    if path is None:
        raise RuntimeError("Debian's chromium is not installed (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Chromium browser for the test session (skipped without chromium)."""
    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed (shutil.which('chromium') is None)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p)
        try:
            yield b
        finally:
            b.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve_directory(directory: str | Path) -> Iterator[str]:
    """Serve a folder on 127.0.0.1 at a free port; yields the base URL (no trailing /)."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------- synthetic map data

UTM50 = "EPSG:32650"
WUHAN_X0 = 200_000.0
"""A grid corner in UTM zone 50N near Wuhan (x, metres); y below."""
WUHAN_Y0 = 3_360_000.0


def synthetic_cells(
    n_cols: int,
    n_rows: int,
    cell_size: float,
    *,
    extent_m: float | None = None,
    clip: bool = True,
    crs: str = UTM50,
) -> gpd.GeoDataFrame:
    """Scored square cells with a smooth level pattern (three hot spots), like the engine's.

    Parameters
    ----------
    n_cols, n_rows
        Grid size.
    cell_size
        Square side in metres.
    extent_m
        Unused unless given: the pattern is defined on relative coordinates, so grids of
        any resolution over the same extent carry the same pattern.
    clip
        Clip the cells to an ellipse inscribed in the grid (boundary cells are partial,
        corners are dropped), as the grid module clips to a city boundary.
    crs
        Working CRS.
    """
    cols, rows = np.meshgrid(np.arange(n_cols), np.arange(n_rows))
    cols = cols.ravel()
    rows = rows.ravel()
    x0 = WUHAN_X0 + cols * cell_size
    y0 = WUHAN_Y0 + rows * cell_size
    geoms = shapely.box(x0, y0, x0 + cell_size, y0 + cell_size)
    u = (cols + 0.5) / n_cols
    v = (rows + 0.5) / n_rows
    hot = (
        80 * np.exp(-((u - 0.3) ** 2 + (v - 0.6) ** 2) / 0.01)
        + 55 * np.exp(-((u - 0.7) ** 2 + (v - 0.35) ** 2) / 0.02)
        + 30 * np.exp(-((u - 0.55) ** 2 + (v - 0.8) ** 2) / 0.005)
        + 6 * (1 - v)
    )
    score = np.clip(hot, 0, 100)
    rank = np.digitize(score, [10.0, 25.0, 45.0]) + 1
    names = {
        1: ("低", "Low"),
        2: ("一般", "General"),
        3: ("较大", "Significant"),
        4: ("重大", "Major"),
    }
    hazard = np.clip(score / 10 + 0.5, 0, 10)
    frame = gpd.GeoDataFrame(
        {
            "cell_id": np.char.add(
                np.char.add("r", rows.astype(str)), np.char.add("c", cols.astype(str))
            ),
            "district": np.where(u < 0.5, "西区", "东区"),
            "adcode": np.where(u < 0.5, "420101", "420102"),
            "level_rank": rank,
            "level": pd.Series(rank).map({k: v[0] for k, v in names.items()}).to_numpy(),
            "level_en": pd.Series(rank).map({k: v[1] for k, v in names.items()}).to_numpy(),
            "score": np.round(score, 3),
            "hazard": hazard,
            "exposure": np.clip(10 * v, 0, 10),
            "vulnerability": np.clip(10 * u, 0, 10),
            "coping_gap": np.clip(10 * (1 - u) * v, 0, 10),
            "population": np.round(1000 * v).astype(int),
        },
        geometry=geoms,
        crs=crs,
    )
    if clip:
        boundary = synthetic_boundary(n_cols * cell_size, n_rows * cell_size)
        inter = shapely.intersection(geoms, boundary)
        keep = ~shapely.is_empty(inter) & (shapely.area(inter) > 0)
        frame = frame[keep].copy()
        frame["geometry"] = inter[keep]
        frame = frame.set_geometry("geometry").reset_index(drop=True)
    frame["area_m2"] = frame.geometry.area
    return frame


def synthetic_boundary(width_m: float, height_m: float) -> shapely.Polygon:
    """An ellipse inscribed in the grid's extent (working CRS)."""
    centre = shapely.Point(WUHAN_X0 + width_m / 2, WUHAN_Y0 + height_m / 2)
    circle = centre.buffer(1.0, quad_segs=64)
    return shapely.affinity.scale(circle, width_m / 2 * 0.98, height_m / 2 * 0.98)


def synthetic_project_data(
    cells: gpd.GeoDataFrame,
    *,
    boundary: shapely.Geometry | None = None,
    station_name: str = "社区站",
    n_stations: int = 60,
    seed: int = 1,
) -> Any:
    """ProjectData around ``cells``: two districts, and shelter, fire-station, community
    station, hazmat, hidden-hazard and flood-zone layers with a few features each.

    ``station_name`` is the name of the first community station (tests put markup in it).
    """
    from riskmap.config import LayerBinding, Project, load_layer_kinds
    from riskmap.io import Layer, ProjectData

    rng = np.random.default_rng(seed)
    crs = cells.crs
    minx, miny, maxx, maxy = cells.total_bounds
    if boundary is None:
        boundary = shapely.union_all(np.asarray(cells.geometry.values, dtype=object))
    midx = (minx + maxx) / 2
    west = shapely.intersection(boundary, shapely.box(minx, miny, midx, maxy))
    east = shapely.intersection(boundary, shapely.box(midx, miny, maxx, maxy))
    districts = gpd.GeoDataFrame(
        {"adcode": ["420101", "420102"], "name": ["西区", "东区"]}, geometry=[west, east], crs=crs
    )
    kinds = load_layer_kinds()
    project = Project.model_validate(
        {
            "name": "synthetic",
            "title": {"zh": "合成城市", "en": "Synthetic city"},
            "adcode": "420100",
            "boundary": {"path": "boundary.geojson"},
            "districts": {"path": "districts.geojson"},
            "layers": [
                {"name": "shelters", "kind": "shelter", "path": "s.csv"},
                {"name": "fire_stations", "kind": "fire_station", "path": "f.csv"},
                {"name": "community_stations", "kind": "community_station", "path": "c.csv"},
                {"name": "hazmat", "kind": "hazmat_enterprise", "path": "h.csv"},
                {"name": "hidden", "kind": "hidden_hazard", "path": "y.csv"},
                {"name": "flood", "kind": "flood_zone", "path": "z.geojson"},
            ],
        }
    )

    def _pts(n: int) -> np.ndarray:
        inside = np.asarray(cells.geometry.values, dtype=object)[rng.integers(0, len(cells), n)]
        return shapely.centroid(inside)

    def _layer(name: str, kind: str, frame: dict[str, Any], geoms: np.ndarray) -> Layer:
        gdf = gpd.GeoDataFrame(frame, geometry=list(geoms), crs=crs)
        binding = LayerBinding(name=name, kind=kind, path=f"{name}.csv")
        return Layer(binding=binding, kind=kinds[kind], gdf=gdf)

    n_sh = 8
    layers = {
        "shelters": _layer(
            "shelters",
            "shelter",
            {
                "id": [f"S{i}" for i in range(n_sh)],
                "name": [f"避难场所{i}" for i in range(n_sh)],
                "type": (["紧急", "固定", "中心"] * 3)[:n_sh],
                "area_m2": rng.uniform(2000, 50000, n_sh),
            },
            _pts(n_sh),
        ),
        "fire_stations": _layer(
            "fire_stations",
            "fire_station",
            {
                "id": ["F1", "F2", "F3"],
                "name": ["一号站", "二号站", "三号站"],
                "class": ["一级", "二级", "小型"],
            },
            _pts(3),
        ),
        "community_stations": _layer(
            "community_stations",
            "community_station",
            {
                "id": [f"C{i}" for i in range(n_stations)],
                "name": [station_name] + [f"社区站{i}" for i in range(1, n_stations)],
            },
            _pts(n_stations),
        ),
        "hazmat": _layer(
            "hazmat",
            "hazmat_enterprise",
            {
                "id": [f"H{i}" for i in range(12)],
                "name": [f"化工企业{i}" for i in range(12)],
                "grade": (["一级", "二级", "三级", "四级"] * 3),
            },
            _pts(12),
        ),
        "hidden": _layer(
            "hidden",
            "hidden_hazard",
            {
                "id": ["Y1", "Y2", "Y3"],
                "name": ["隐患甲", "隐患乙", "已销号隐患"],
                "grade": ["重大", "一般", "重大"],
                "status": ["整改中", "已登记", "已销号"],
            },
            _pts(3),
        ),
        "flood": _layer(
            "flood",
            "flood_zone",
            {"id": ["Z1"], "name": ["低洼区"]},
            np.asarray(
                [shapely.Point(midx, (miny + maxy) / 2).buffer((maxx - minx) / 10)], dtype=object
            ),
        ),
    }
    layers = {k: v for k, v in layers.items() if v.kind.kind in kinds}
    return ProjectData(
        project=project,
        kinds=kinds,
        crs=__import__("pyproj").CRS.from_user_input(crs),
        boundary=boundary,
        districts=districts,
        layers=layers,
    )


def cells_frame_summary(cells: gpd.GeoDataFrame) -> pd.Series:
    """Counts per level (handy in failure messages)."""
    return cells["level_rank"].value_counts().sort_index()


# --------------------------------------------------------------- the Streamlit app

APP_ROOT = Path(__file__).resolve().parent.parent
"""The repository (where ``app.py`` is)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: Any, timeout: float) -> None:
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


def start_streamlit_app(
    env_extra: dict[str, str], log: Path, timeout: float = 120.0
) -> tuple[Any, str]:
    """Start ``streamlit run app.py`` (headless, no file watcher) on a free local port.

    Parameters
    ----------
    env_extra
        Environment variables added to this process's (e.g. ``RISKMAP_APP_CELL_SIZE``).
    log
        File receiving the server's output.
    timeout
        Seconds to wait for the server's health check.

    Returns
    -------
    tuple
        The ``subprocess.Popen`` of the server and its base URL (no trailing /).
    """
    import os
    import subprocess
    import sys

    port = free_port()
    env = {**os.environ, **env_extra, "PYTHONPATH": str(APP_ROOT)}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_ROOT / "app.py"),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=APP_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, timeout)
    except Exception:
        proc.kill()
        proc.wait(timeout=20)
        raise
    return proc, url


def stop_streamlit_app(proc: Any) -> None:
    """Stop a server started by :func:`start_streamlit_app` (terminate, then kill)."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)


def wait_streamlit_idle(page: Any, timeout_ms: int = 180_000) -> None:
    """Wait until Streamlit has finished the current script run in ``page``."""
    page.wait_for_timeout(400)
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=\"true\"]') && !((document.querySelector("
        "'[data-testid=\"stStatusWidget\"]') || {}).innerText || '').match(/Running|Stop/)",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(400)


@contextlib.contextmanager
def app_session(
    browser: Any, tmp: Path, shots: Path, *, timeout_ms: int = 60_000
) -> Iterator[dict[str, Any]]:
    """The app served on 1000 m cells with a fresh register in ``tmp``, open in one browser page.

    Parameters
    ----------
    browser
        A Playwright browser (the ``browser`` fixture).
    tmp
        Folder for the hidden-hazard register (``hazards.sqlite``) and the test's files.
    shots
        Folder for screenshots; the server's output goes to ``shots/streamlit.log``.
    timeout_ms
        Default timeout of the page's actions.

    Yields
    ------
    dict
        ``page`` (Playwright page at the app), ``url`` (base URL), ``requests`` (every URL
        the page and its iframes requested, in order) and ``tmp``.
    """
    shots.mkdir(parents=True, exist_ok=True)
    proc, url = start_streamlit_app(
        {"RISKMAP_APP_CELL_SIZE": "1000", "RISKMAP_APP_REGISTER": str(tmp / "hazards.sqlite")},
        shots / "streamlit.log",
    )
    requests: list[str] = []
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
    try:
        context.on("request", lambda r: requests.append(r.url))
        page = context.new_page()
        page.set_default_timeout(timeout_ms)
        page.goto(url)
        yield {"page": page, "url": url, "requests": requests, "tmp": tmp}
    finally:
        context.close()
        stop_streamlit_app(proc)


def sign_in_demo(page: Any, username: str) -> None:
    """Sign in from the app's sidebar as one of the Wuhan demo's accounts (password
    ``{username}-demo-2021``), signing out whoever is signed in first."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    if sidebar.get_by_role("button", name="退出登录").count():
        sidebar.get_by_role("button", name="退出登录").click()
        wait_streamlit_idle(page)
    sidebar.locator("summary").filter(has_text="登录").first.click()
    sidebar.get_by_label("用户名").fill(username)
    sidebar.get_by_label("密码").fill(f"{username}-demo-2021")
    sidebar.get_by_role("button", name="登录", exact=True).click()
    wait_streamlit_idle(page)
    sidebar.get_by_text("已登录", exact=False).first.wait_for(timeout=30_000)
