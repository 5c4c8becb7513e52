"""Where messages come from: one adapter per kind of mailbox (IMAP, Maildir, fax-drop folder)."""
