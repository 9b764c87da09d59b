"""Build-time helpers for build.py. Stdlib only, except prepare_model (runs in .venv)."""
