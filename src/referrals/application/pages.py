"""Offset pagination, as every list in the API has it."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int = DEFAULT_PAGE_SIZE
    offset: int = 0

    def clamped(self) -> "PageRequest":
        return PageRequest(limit=max(1, min(self.limit, MAX_PAGE_SIZE)), offset=max(0, self.offset))


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    limit: int
    offset: int
