"""Commands of the web part (registered on intake.cli.cli); filled by its issue."""
