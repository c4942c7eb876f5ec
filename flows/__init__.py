"""Prefect flows and the `mttq` command line: orchestration only.

Importing this package changes nothing in the environment: what the command line needs from
Prefect (quiet logging, no telemetry, which server) is set by its entry point
(`flows.server.prepare_environment`), and deployment workers keep their own settings.
"""
