"""The kernel: time, errors, pagination, security headers and i18n helpers."""
