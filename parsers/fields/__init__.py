"""The fields stage: positioned words into the form's fields, each in its normal form."""
