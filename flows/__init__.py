"""Prefect flows and the `mttq` command line: orchestration only.

Importing this package first sets quiet, offline defaults for Prefect (before Prefect itself is
imported): no analytics or telemetry leaves the machine, and the operator sees warnings, not
the server's chatter. Any of them can still be overridden from the environment.
"""

import os

for _name, _value in {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "ERROR",
    "PREFECT_UI_ENABLED": "false",
}.items():
    os.environ.setdefault(_name, _value)
