"""Benchmarks: ``python -m onestop.bench NAME`` (or ``make bench-NAME``).

Each benchmark is a module here with ``run() -> dict``: a title, column names and rows, each row
measured in the same run as the peer it is compared with. The runner prints the table and
writes the figures to ``var/bench/NAME.json``.
"""
