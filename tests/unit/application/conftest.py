import pytest

from tests.unit.application.fakes import World, make_world


@pytest.fixture
def world() -> World:
    """A fresh in-memory world per test: users, codes, tokens, a transaction manager, a clock and a cache."""
    return make_world()
