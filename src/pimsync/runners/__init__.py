"""Runners: where jobs run. ``local`` (in-process, the default)."""
