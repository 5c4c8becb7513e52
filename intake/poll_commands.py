"""Commands of the poll part (registered on intake.cli.cli); filled by its issue."""
