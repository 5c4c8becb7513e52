"""SQLModel tables and queries: the only place rows are made."""
