"""The demo district: units, cadres and one account per role."""
