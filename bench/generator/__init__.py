"""Bulletins nobody has seen, for bench/variety.py: random respondents drawn from real French
names and places, laid out in many ways, written as text PDFs, Word files, fillable and
annotated PDFs, faxes, scans and photos, each with the truth of what it shows."""
