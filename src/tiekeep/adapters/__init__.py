"""Adapters: importers and exporters, one module per format, and notifications."""
