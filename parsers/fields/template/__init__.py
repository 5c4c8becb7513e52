"""Reading the organiser's own bulletin by zone: known templates, page alignment, zone readings."""
