"""Pure parsing and extraction: bytes, a form definition and a clock in; frozen dataclasses out.

Never imports `storage`, `intake`, sqlmodel, imapclient or smtplib (a test enforces it).
"""
