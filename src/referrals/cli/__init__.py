"""``python -m referrals``: the command line. Each subcommand is a module with ``register(subcommands)``."""
