"""The `tiekeep` command line: Typer commands that parse input, call one service, render."""
