"""What logs and metrics may say about a request: values from closed sets, never what the client wrote.

A method token can be any length and any letters, and a path holds emails; every distinct value would be
a new time series kept for the life of the process, and a log line as long as the client likes.
"""

from http import HTTPMethod
from typing import Final

from litestar.types import Scope

KNOWN_METHODS: Final = frozenset(method.value for method in HTTPMethod)
OTHER_METHOD: Final = "OTHER"
NO_ROUTE: Final = "<unmatched>"


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else OTHER_METHOD


def route_label(scope: Scope) -> str:
    """The template of the route that answered (``/referral-code/{email}``), or one label for none."""
    return scope.get("path_template") or NO_ROUTE
