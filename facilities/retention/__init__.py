"""Retention and the archive: closed faults' personal data removed after the retention period
(`anonymising`), and faults with their timelines exported for a date range (`exporting`)."""
