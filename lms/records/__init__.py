"""The learning record (学习档案): an append-only archive of each cadre's learning."""
