"""Offline map assets: Leaflet and its plugins from files installed with the project.

folium loads Leaflet, jQuery, Bootstrap, Font Awesome and more from CDNs. riskmap's maps
need only Leaflet 1.9.3 (PyPI ``XStatic-Leaflet``) and Leaflet.markercluster
(``XStatic-Leaflet-MarkerCluster``); both wheels carry the files. A map either embeds
them (``inline``: one standalone HTML file that works with no network) or links them
from a URL the application serves (``url``: e.g. an app server's static folder, such as
``static/`` served at ``/app/static/``; :func:`install_static` copies the files there).
"""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import xstatic.pkg.leaflet as _xs_leaflet
import xstatic.pkg.leaflet_markercluster as _xs_cluster

__all__ = [
    "ASSETS",
    "Asset",
    "asset_links",
    "install_static",
    "render_inline_assets",
]

LEAFLET_DIR = Path(_xs_leaflet.BASE_DIR)
MARKERCLUSTER_DIR = Path(_xs_cluster.BASE_DIR)
LEAFLET_VERSION = _xs_leaflet.VERSION
MARKERCLUSTER_VERSION = _xs_cluster.VERSION


@dataclass(frozen=True)
class Asset:
    """One file a map needs.

    Attributes
    ----------
    name : the key folium uses in ``default_js`` / ``default_css``.
    source : the installed file.
    target : its path below the asset folder / URL.
    kind : ``js``, ``css`` or ``image`` (images are referred to by the CSS).
    plugin : ``leaflet`` or ``markercluster`` (markercluster files are needed only by
        maps that cluster points).
    """

    name: str
    source: Path
    target: str
    kind: str
    plugin: str


ASSETS: tuple[Asset, ...] = (
    Asset("leaflet", LEAFLET_DIR / "leaflet.js", "leaflet.js", "js", "leaflet"),
    Asset("leaflet_css", LEAFLET_DIR / "leaflet.css", "leaflet.css", "css", "leaflet"),
    *(
        Asset(f"leaflet_{p.stem}", p, f"images/{p.name}", "image", "leaflet")
        for p in sorted((LEAFLET_DIR / "images").glob("*.png"))
    ),
    Asset(
        "markerclusterjs",
        MARKERCLUSTER_DIR / "leaflet.markercluster.js",
        "leaflet.markercluster.js",
        "js",
        "markercluster",
    ),
    Asset(
        "markerclustercss",
        MARKERCLUSTER_DIR / "MarkerCluster.css",
        "MarkerCluster.css",
        "css",
        "markercluster",
    ),
    Asset(
        "markerclusterdefaultcss",
        MARKERCLUSTER_DIR / "MarkerCluster.Default.css",
        "MarkerCluster.Default.css",
        "css",
        "markercluster",
    ),
)
"""Every file a riskmap map may load, in load order (Leaflet before its plugins)."""

_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
_CSS_URL = re.compile(r"url\((['\"]?)(images/[^)'\"]+)\1\)")


def _needed(plugins: frozenset[str]) -> list[Asset]:
    return [a for a in ASSETS if a.plugin in plugins]


def asset_links(
    asset_url: str, plugins: frozenset[str] = frozenset({"leaflet", "markercluster"})
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``default_js`` and ``default_css`` lists pointing at files served under ``asset_url``.

    Parameters
    ----------
    asset_url
        Where :func:`install_static`'s folder is served, e.g. ``/app/static/riskmap``. A
        value without a scheme and without a leading ``/`` (``app/static/riskmap``) is
        taken from the site root: the map may be drawn inside an iframe whose own URL would
        otherwise be the base.
    plugins
        Which plugins the map uses (``leaflet`` is always included).

    Returns
    -------
    js, css
        Lists of ``(name, url)`` in load order.
    """
    base = asset_url.rstrip("/")
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", base) and not base.startswith("/"):
        base = "/" + base
    wanted = _needed(plugins | {"leaflet"})
    js = [(a.name, f"{base}/{a.target}") for a in wanted if a.kind == "js"]
    css = [(a.name, f"{base}/{a.target}") for a in wanted if a.kind == "css"]
    return js, css


def install_static(dest_dir: str | Path) -> list[Path]:
    """Copy the map's JS, CSS and images into ``dest_dir`` (e.g. ``static/riskmap``).

    Files already there with the same content are left alone, so the call is cheap at
    every application start-up.

    Parameters
    ----------
    dest_dir
        Folder to create or update.

    Returns
    -------
    list of Path
        Every asset file in ``dest_dir``, in :data:`ASSETS` order.
    """
    dest = Path(dest_dir)
    written = []
    for asset in ASSETS:
        target = dest / asset.target
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or _digest(target) != _digest(asset.source):
            shutil.copyfile(asset.source, target)
        written.append(target)
    return written


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _css_with_data_uris(css: str, folder: Path) -> str:
    """Replace ``url(images/x.png)`` by a data URI so the CSS needs no other file."""

    def _sub(match: re.Match[str]) -> str:
        path = folder / match.group(2)
        if not path.exists():  # leave unknown references alone (none in Leaflet 1.9.3)
            return match.group(0)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return _CSS_URL.sub(_sub, css)


def _script_safe(text: str) -> str:
    """Text that can sit inside a <script>/<style> element without closing it."""
    return re.sub(r"</(script|style)", r"<\\/\1", text, flags=re.IGNORECASE)


@cache
def render_inline_assets(plugins: frozenset[str] = frozenset({"leaflet", "markercluster"})) -> str:
    """The map's CSS and JS as inline ``<style>`` and ``<script>`` elements.

    Images the CSS refers to are embedded as data URIs and source-map comments are
    dropped, so the page needs no other file.

    Parameters
    ----------
    plugins
        Which plugins to include (``leaflet`` is always included).

    Returns
    -------
    str
        HTML for the page's ``<head>``: styles first, then scripts in load order.
    """
    wanted = _needed(plugins | {"leaflet"})
    parts = []
    for a in wanted:
        if a.kind == "css":
            css = _css_with_data_uris(a.source.read_text(encoding="utf-8"), a.source.parent)
            parts.append(f'<style data-asset="{a.name}">\n{_script_safe(css)}\n</style>')
    for a in wanted:
        if a.kind == "js":
            js = _SOURCE_MAP.sub("", a.source.read_text(encoding="utf-8"))
            parts.append(f'<script data-asset="{a.name}">\n{_script_safe(js)}\n</script>')
    return "\n".join(parts)
