#!/usr/bin/env bash
# Install everything the test suite needs, then run all of it: lint, format, types, import
# contracts, then unit, property, integration, notebook and browser tests. Used by the README
# and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
# Debian's Chromium drives the browser tests (Playwright's own browser download is not used),
# Noto CJK draws Chinese text in the static report map, poppler-utils turns PDFs into PNGs,
# gdal-bin's ogrinfo reads the exported GeoPackages and GeoJSON as a GIS client would, and
# the tests start their own mosquitto broker (MQTT readings) on a free local port, and their
# own throwaway PostgreSQL server (the register on its shared backend) from Debian's
# postgresql package.
if ! command -v chromium >/dev/null || ! command -v ogrinfo >/dev/null \
  || [ ! -x /usr/sbin/mosquitto ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" \
  || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends chromium fonts-noto-cjk poppler-utils gdal-bin \
    mosquitto postgresql
fi

python -m pip install --disable-pip-version-check -q -r requirements-test.txt
python -m pip install --disable-pip-version-check -q --no-deps -e .

# Static checks, each its own step (a failure names the step and stops the run).
step() { echo "== $1"; shift; "$@"; }
step "lint (ruff check)" ruff check .
step "format (ruff format --check)" ruff format --check .
step "types (mypy: riskmap, app)" python -m mypy
step "types (mypy: app.py)" python -m mypy app.py
step "import contracts (lint-imports)" lint-imports --no-cache

step "tests (pytest)" python -m pytest -n 2 --dist loadfile "$@"
