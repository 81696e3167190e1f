"""Which named constraint an ``IntegrityError`` reports, on PostgreSQL and on SQLite alike."""

import re
from collections.abc import Mapping
from functools import cache
from typing import NoReturn

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from referrals.adapters.persistence.schema import metadata

_SQLITE_FAILURE = re.compile(r"(?:UNIQUE|CHECK|NOT NULL|FOREIGN KEY) constraint failed: (?P<subject>.+)")


def violated_constraint(error: IntegrityError) -> str | None:
    # asyncpg names the constraint; SQLAlchemy wraps its exception, which stays reachable as the cause.
    cause = error.orig.__cause__ if error.orig is not None else None
    name = getattr(cause, "constraint_name", None)
    if isinstance(name, str):
        return name
    match = _SQLITE_FAILURE.search(str(error.orig))
    if match is None:
        return None
    subject = match["subject"].strip()
    # SQLite names CHECK constraints, but reports unique ones by their columns ("users.email").
    return _unique_constraints_by_columns().get(subject, subject)


@cache
def _unique_constraints_by_columns() -> dict[str, str]:
    by_columns: dict[str, str] = {}
    for table in metadata.tables.values():
        uniques: list[UniqueConstraint | Index] = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
        uniques += [index for index in table.indexes if index.unique]
        for unique in uniques:
            columns = ", ".join(f"{table.name}.{column.name}" for column in unique.columns)
            by_columns[columns] = str(unique.name)
    return by_columns


def reraise_as_domain_error(error: IntegrityError, errors_by_constraint: Mapping[str, type[Exception]]) -> NoReturn:
    """Raise the domain error the violated constraint stands for, or the original error if none does."""
    domain_error = errors_by_constraint.get(violated_constraint(error) or "")
    if domain_error is None:
        raise error
    raise domain_error from error
