"""Subcommands of the ``byzcomp`` CLI, one module each (see sims.cli.COMMANDS)."""
