"""How an operation is published when that differs from what Litestar infers."""

from dataclasses import dataclass
from typing import Any

from litestar.openapi.spec import Operation


@dataclass
class PublicOperation(Operation):
    """An operation anyone may call, published with `security: []`.

    Litestar leaves `security` out when a route needs none, which readers (linters, generators) cannot tell from
    one that forgot to say; an empty list says "no credentials" outright.
    """

    def to_schema(self) -> dict[str, Any]:
        return {**super().to_schema(), "security": []}
