"""The scheduler's jobs: crawl the due sources, send alerts, keep the database tidy.

``scheduler.py`` wires these to APScheduler; each job is a plain function of a ``JobContext``.
"""
