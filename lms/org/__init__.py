"""Organisation: the unit tree, cadre profiles, categories and role grants."""
