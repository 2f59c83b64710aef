"""Settings for running the service: logs and /healthz (facilities.operations)."""

import os

from facilities.operations.logs import logging_config

# --- Logging ------------------------------------------------------------------------
# Every line carries the request id, the user's id and the fault's reference where there is one
# (facilities.operations.context), in web requests and in the Celery tasks they cause. JSON lines
# with LOG_FORMAT=json (production's default), else one readable line. Ids only, never names.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)

# --- Health (/healthz, facilities.operations.health) -----------------------------------
# Unhealthy (503) when the last completed sweep is older than this (beat or the workers have
# stopped), or when a pending email has been due for longer than this (nothing is sending).
HEALTH_SWEEP_MAX_AGE_SECONDS = int(
    os.environ.get(
        "HEALTH_SWEEP_MAX_AGE_SECONDS",
        str(max(300, 5 * int(os.environ.get("SWEEP_INTERVAL_SECONDS", "60")))),
    )
)
HEALTH_OUTBOX_MAX_DELAY_SECONDS = int(os.environ.get("HEALTH_OUTBOX_MAX_DELAY_SECONDS", "900"))
