"""Demo data written in Python: the year of history behind the demo (history.py)."""
