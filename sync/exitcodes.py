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
