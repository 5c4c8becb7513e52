"""The organiser's own bulletin: the blank generated from the form, templates learnt from blanks."""
