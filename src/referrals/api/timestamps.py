"""Date-times from request text, decoded as strictly as the schema states them: RFC 3339 with an offset."""

from datetime import datetime
from typing import Annotated

import msgspec
from litestar.exceptions import ValidationException

_AwareDateTime = Annotated[datetime, msgspec.Meta(tz=True)]


def rfc3339(text: str, field: str) -> datetime:
    """The instant ``text`` names; a 400 naming ``field`` for anything else (a Unix time, a naive date-time)."""
    try:
        return msgspec.convert(text, _AwareDateTime, strict=True)
    except msgspec.ValidationError as error:
        raise ValidationException(
            detail="The request does not match the documented schema.",
            extra=[{"key": field, "message": str(error), "source": "body"}],
        ) from None
