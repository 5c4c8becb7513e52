"""Reference knowledge every stage may consult: place names, person names, French words."""
