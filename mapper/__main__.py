"""``python -m mapper`` runs the idpmap command line."""

from .cli import cli

if __name__ == "__main__":
    cli()
