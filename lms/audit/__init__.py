"""The administrative audit log: who did what to whom, from where; append-only and chained."""
