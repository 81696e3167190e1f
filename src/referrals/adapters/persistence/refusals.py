"""Telling a database that refuses the service (for now) from a statement that is wrong.

The server says why it refuses in the error's SQLSTATE, and the drivers pass its error on as a bare
``DBAPIError``: a session it will not open (not accepting connections, too many clients, starting up or
shutting down), a session it ends (an administrator's or a crash's shutdown), a write it will not take
(a read-only database), or a transaction it rolled back because it lost a race with another (a serialization
failure, a deadlock). Each of these passes when the database or the other transaction does, so the answer is
"try again soon"; a statement the database rejects for what it says is a bug, and stays one.
"""

from sqlalchemy.exc import DBAPIError

# Whole classes: 08 connection exceptions, 53 insufficient resources (too many connections, out of memory,
# disk full).
_REFUSING_CLASSES = frozenset({"08", "53"})
_REFUSING_STATES = frozenset(
    {
        "57P01",  # admin_shutdown: the session was terminated, or the server is stopping
        "57P02",  # crash_shutdown: another server process crashed, every session is ended
        "57P03",  # cannot_connect_now: starting up, shutting down, in recovery
        "57P05",  # idle_session_timeout
        "25006",  # read_only_sql_transaction: a standby, or a primary made read-only, takes no writes
        # Of class 40, only the two a retry settles: an integrity violation found at commit (40002) is the
        # statement's fault, and a statement whose completion is unknown (40003) may have been applied.
        "40001",  # serialization_failure: a concurrent transaction won; the same request again can succeed
        "40P01",  # deadlock_detected: this transaction was chosen to break a lock cycle
    }
)
# object_not_in_prerequisite_state: on connecting, it means the database is not accepting connections
# (ALLOW_CONNECTIONS false); raised by a statement, it is the statement's fault.
_REFUSING_ON_CONNECT = frozenset({"55000"})


def sqlstate(error: DBAPIError) -> str | None:
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code if isinstance(code, str) else None


def is_refusal(error: DBAPIError) -> bool:
    """Whether the database refused the service for a while rather than rejected what it was asked."""
    code = sqlstate(error)
    if code is None:
        return False
    connecting = error.statement is None  # SQLAlchemy has no statement to name when connecting failed
    return code[:2] in _REFUSING_CLASSES or code in _REFUSING_STATES or (connecting and code in _REFUSING_ON_CONNECT)
