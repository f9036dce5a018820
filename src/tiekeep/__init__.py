"""tiekeep: a local-first personal CRM for maintaining professional relationships."""

__version__ = "0.1.0"
