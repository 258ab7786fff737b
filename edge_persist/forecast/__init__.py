"""Forecast: the session store's hit ratio at any traffic, simulated (model.py), run from the
command line (python -m edge_persist.forecast) and calibrated from a verify report."""
