"""Running the service: health (/healthz), log context, scheduled-job records and catch-up.

Nothing here changes a fault: it watches and reports on the machinery (database, Redis,
beat, workers, the outbox) and puts the same ids on every log line of a request and of the
Celery tasks it causes.
"""
