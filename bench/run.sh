#!/usr/bin/env bash
# One benchmark run, from nothing: a venv with spotstream and the peers from PyPI, then
# bench/run.py (in-process side by side, memory, end to end). Arguments go to run.py.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .bench-venv
.bench-venv/bin/python -m pip install --quiet --upgrade pip
.bench-venv/bin/python -m pip install --quiet . python-kraken-sdk ccxt==4.5.85 cryptofeed
.bench-venv/bin/python bench/run.py "$@"
