from referrals.api.oauth_errors import as_token_error
from referrals.api.schemas import Problem


def problem(status: int, code: str | None = None, detail: str | None = None) -> Problem:
    return Problem(type="about:blank", title="-", status=status, detail=detail, code=code)


def test_a_refused_grant_is_a_400_whatever_its_problem_status() -> None:
    for code in ("invalid-credentials", "invalid-refresh-token"):
        token_error = as_token_error(problem(401, code))
        assert (token_error.status, token_error.title, token_error.error) == (400, "Bad Request", "invalid_grant")


def test_other_statuses_keep_their_status_and_get_the_registered_error() -> None:
    errors = {status: as_token_error(problem(status)) for status in (400, 413, 415, 429, 500, 503)}

    assert {status: (error.status, error.error) for status, error in errors.items()} == {
        400: (400, "invalid_request"),
        413: (413, "invalid_request"),
        415: (415, "invalid_request"),
        429: (429, "temporarily_unavailable"),
        500: (500, "server_error"),
        503: (503, "temporarily_unavailable"),
    }


def test_the_description_keeps_to_the_characters_rfc_6749_allows() -> None:
    token_error = as_token_error(problem(400, detail='Say "hi" to Zoë\\'))

    assert token_error.error_description == "Say hi to Zo"
    # The problem member is for people and may say more.
    assert token_error.detail == 'Say "hi" to Zoë\\'
