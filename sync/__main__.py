"""``python -m sync`` is the ``crmsync`` command."""

from sync.cli import main

main()
