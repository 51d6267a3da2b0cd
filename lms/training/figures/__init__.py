"""The district's training figures: the dashboard, its exports, the year-end summary."""
