class CommandError(Exception):
    """A command that cannot do what it was asked: its message is printed as one line, and the exit code is 1."""


def database_error(error: BaseException) -> str:
    """The driver's error and its first line ('no such table: ...', 'connection refused'); statements are
    logged without their parameters, and only the first line is taken, so no row's values are shown."""
    cause = getattr(error, "orig", None) or error
    reason = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {reason[0]}" if reason else type(cause).__name__
