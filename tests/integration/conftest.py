from tests.api.conftest import api, app, client

__all__ = ["api", "app", "client"]
