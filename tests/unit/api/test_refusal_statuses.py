"""Every refusal the package defines has an HTTP status; one that had none would reach clients as a 500."""

import pytest

from referrals.api.errors import STATUS_BY_ERROR, status_of
from referrals.application.errors import ApplicationError
from referrals.domain.errors import DomainError
from tests.unit.domain.test_refresh_tokens_and_errors import every_error


@pytest.mark.parametrize("error", every_error(), ids=lambda error: error.__name__)
def test_every_refusal_has_a_status(error: type[DomainError | ApplicationError]) -> None:
    assert status_of(error()) is not None


def test_a_refusal_without_a_status_has_none() -> None:
    class Unmapped(DomainError):
        code = "unmapped"

    assert status_of(Unmapped()) is None
    assert DomainError not in STATUS_BY_ERROR
    assert ApplicationError not in STATUS_BY_ERROR
