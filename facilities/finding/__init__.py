"""Finding faults: the fault list's filters (`filters`), its pages, rows and CSV (`lists`),
and the home page's counts and most overdue faults (`dashboard`). Read-only, in scope."""
