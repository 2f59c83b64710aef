"""The REST API under /api/v1/, for contractors' own systems and scripts.

Views are thin callers of the domain: scope comes from `facilities.access`, list filters from
`facilities.finding.filters.FaultFilter` (the browser list's), every change from
`facilities.faults.workflow` (and `faults.disputes`), due times from `facilities.deadlines`.
Modules by concept: `auth` (tokens, permissions, throttling), `errors` (RFC 9457 problem
details), `idempotency`, `serializers`, `faults` (list, detail, create), `actions` (one POST
per life-cycle step), `events` (a fault's timeline and the sync feed), `reference`
(premises, categories, contractors, escalations), `schema` (OpenAPI), `urls`.
"""
