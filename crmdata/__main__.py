"""``python -m crmdata`` runs the CLI."""

from .cli import main

main()
