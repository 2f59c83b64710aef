"""Contractor performance reports: the monthly figures the MoJ holds contractors to account by.

One set of measures (`measures`) serves the report page, the CSV/XLSX/PDF downloads and the
issued monthly report alike. Each figure counts the faults of one named slice
(`drilldown`), so every number can link to exactly the faults behind it.

- `periods`     months and date ranges in Europe/London, as UTC instants;
- `epoch`       elapsed seconds in SQL (clock times are stored by the life cycle);
- `drilldown`   the slice of faults behind each figure, and its link to the fault list;
- `measures`    the database queries, returning plain dataclasses;
- `credits`     the service-credit scoring rule;
- `definitions` each measure's formula in words (page, XLSX, PDF);
- `tables`      the report laid out as tables, shared by every format;
- `charts`      matplotlib SVG charts;
- `exports`     CSV, XLSX and PDF;
- `issue`       immutable monthly snapshots, and emailing them through the outbox.
"""
