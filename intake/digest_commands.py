"""Commands of the digest part (registered on intake.cli.cli); filled by its issue."""
