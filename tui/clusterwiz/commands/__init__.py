"""Subcommands of the clusterwiz CLI, one module per area; each defines register(subparsers)."""

COMMAND_MODULES = [
    "clusterwiz.commands.budget",
    "clusterwiz.commands.expiry",
    "clusterwiz.commands.importing",
    "clusterwiz.commands.jobs",
    "clusterwiz.commands.lifecycle",
    "clusterwiz.commands.sandbox",
    "clusterwiz.commands.operations",
    "clusterwiz.commands.preflight",
    "clusterwiz.commands.sweep",
    "clusterwiz.commands.teardown",
    "clusterwiz.commands.wizard",
]
