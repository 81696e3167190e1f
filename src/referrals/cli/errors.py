class CommandError(Exception):
    """A command that cannot do what it was asked: its message is printed as one line, and the exit code is 1."""
