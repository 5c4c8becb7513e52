"""Mail to respondents: acknowledgements of what they sent, reminders to those who did not."""
