"""Take the README's screenshots of the app from the Wuhan demo (headless Chromium).

* ``docs/img/app-map.png``: the risk map with shelters and fire stations shown, the legend
  and a red cell's details panel (the view opened from a link: ``?overlays=...&cell=...``);
* ``docs/img/app-details.png``: the same cell's details, scrolled to its components,
  sources and measures.

Usage::

    python scripts/screenshots.py [--width 1400] [--height 1150]

Needs Debian's chromium and playwright (as the browser tests). The demo register is a
temporary one; nothing in data/ changes.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from browser_support import (  # noqa: E402
    launch_chromium,
    start_streamlit_app,
    stop_streamlit_app,
    wait_streamlit_idle,
)

OVERLAYS = "districts,shelters,fire_stations,detail"


def _red_cell() -> str:
    """A 重大 cell of 武昌区 at 250 m (the first, by id): what the screenshots explain."""
    import riskmap as rm

    cells = rm.Study.from_project("wuhan", cell_size=250, register=None).score().cells
    red = cells[(cells["level_rank"] == 4) & (cells["adcode"].astype(str) == "420106")]
    chosen = red if len(red) else cells[cells["level_rank"] == cells["level_rank"].max()]
    return str(chosen.sort_values("score", ascending=False)["cell_id"].iloc[0])


def _save_png(raw: bytes, path: Path, max_colours: int = 256) -> None:
    """Write a screenshot as a palette PNG (a README image of a few hundred kB)."""
    from PIL import Image

    image = Image.open(io.BytesIO(raw)).convert("RGB")
    image.quantize(colors=max_colours, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"wrote {path} ({path.stat().st_size / 1e3:.0f} kB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1150)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    cell = _red_cell()
    tmp = Path(tempfile.mkdtemp(prefix="riskmap-shots-"))
    proc, url = start_streamlit_app({"RISKMAP_APP_REGISTER": str(tmp / "h.sqlite")}, tmp / "log")
    out = ROOT / "docs" / "img"
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.set_default_timeout(300_000)
            page.goto(f"{url}/?overlays={OVERLAYS}&cell={cell}")
            wait_streamlit_idle(page)
            page.locator('[data-testid="cell-level"]').wait_for()
            frame = page.locator('iframe[title="streamlit_folium.st_folium"]').first
            frame.content_frame.locator(".leaflet-marker-icon, .rm-cluster").first.wait_for(
                state="attached"
            )
            page.wait_for_timeout(2500)  # labels placed, tiles of the level raster drawn
            _save_png(page.screenshot(), out / "app-map.png")
            page.mouse.move(args.width * 0.8, args.height * 0.5)  # over the page, not the sidebar
            page.mouse.wheel(0, 560)
            page.wait_for_timeout(800)
            _save_png(page.screenshot(), out / "app-details.png")
    finally:
        stop_streamlit_app(proc)


if __name__ == "__main__":
    main()
