"""The mail stage: a raw message into its parts, its kind and the documents it carries."""
