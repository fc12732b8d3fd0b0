"""crmsync's exit codes, the same for every command (documented in the README)."""

OK = 0
#: The run finished, but some records failed (see the report).
FAILED_RECORDS = 1
#: The command line, the config or a mapping is wrong; nothing was contacted or written.
USAGE = 2
#: The CRM could not be reached or refused the credentials.
CRM_UNREACHABLE = 3
#: Another run of the same job holds the lock; this one did nothing.
LOCKED = 4
#: The run finished, but a KPI worsened by more than 10% (only with run.fail_on_kpi_alert).
KPI_ALERT = 5
