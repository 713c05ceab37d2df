"""python -m logscan: the same as the logscan command."""

from .cli import main

main()
