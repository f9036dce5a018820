"""Services: the logic of tiekeep as a plain Python API, called by the CLI and the web app.

Functions are keyword-only and take an explicit SQLAlchemy session; the caller owns the
transaction (``Database.transaction()``), and nothing here commits or prints.
"""
