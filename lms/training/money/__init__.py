"""Training money: planned and actual spending of each class by heading, and each unit's
budget for the year against what its classes planned and spent."""
