"""gunicorn's own settings (`gunicorn -c config/gunicorn.py`, as the Procfile runs it): its
lines ("Booting worker", a worker timing out) in the same format as the app's, JSON lines in
production (`LOG_FORMAT`, facilities.operations.logs)."""

import os

from facilities.operations.logs import logging_config

logconfig_dict = logging_config(
    os.environ.get("LOG_FORMAT", "json"), os.environ.get("LOG_LEVEL", "INFO")
)
# gunicorn gives its error log handlers of its own: replace them with ours.
logconfig_dict["loggers"]["gunicorn.error"] = {
    "level": "INFO",
    "handlers": ["console"],
    "propagate": False,
}
# Two processes with the same default control socket (~/.gunicorn/gunicorn.ctl) would clash.
control_socket_disable = True
