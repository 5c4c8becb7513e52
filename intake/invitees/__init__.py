"""The invitation list: reading it, storing it, matching each submission to an invitee."""
