"""`python -m tiekeep` runs the CLI."""

from tiekeep.cli.app import main

main()
