"""Writing the report: the HTML file, and its PDF printed by headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from riskmap.errors import RiskmapError


def write_report(html_text: str, path: str | Path) -> Path:
    """Write the report's HTML (UTF-8) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_text, encoding="utf-8")
    return path


def write_pdf(html_path: str | Path, pdf_path: str | Path, *, timeout: float = 180.0) -> Path:
    """Print an HTML report to PDF (A4) with headless Chromium.

    Raises
    ------
    RiskmapError
        When no ``chromium`` (or ``chromium-browser``/``google-chrome``) is installed, or
        printing fails.
    """
    exe = next(
        (
            shutil.which(n)
            for n in ("chromium", "chromium-browser", "google-chrome")
            if shutil.which(n)
        ),
        None,
    )
    if exe is None:
        raise RiskmapError(
            "printing to PDF needs Chromium: install the 'chromium' package, or print the HTML from a browser"
        )
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path).resolve()
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path}",
            html_path.as_uri(),
        ]
        try:
            result = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise RiskmapError(
                f"Chromium did not finish printing {html_path.name} in {timeout:.0f} s"
            ) from None
    if result.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise RiskmapError(
            f"Chromium could not print {html_path.name}: {result.stderr.strip()[-500:]}"
        )
    return pdf_path
