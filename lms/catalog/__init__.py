"""Courses: the catalogue, course packages, media, authoring and review."""
