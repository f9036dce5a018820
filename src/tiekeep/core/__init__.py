"""Core: the domain model and the database (engine, sessions, schema, search)."""
