"""python -m logscan: the same as the logscan command."""

from logscan.cli import main

main()
