"""`python -m tiekeep` runs the CLI."""

from tiekeep.cli import main

main()
