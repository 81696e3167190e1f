"""The mailbox an address delivers to: the spellings one provider sends to one inbox share a key.

A canonical email decides which account an address is; the mailbox key tells that ``ada+one@gmail.com`` and
``a.d.a@googlemail.com`` are read by the same person, which is what one referrer signing up twice looks like.
"""

# A canonical email is at most this long, and folding only ever shortens it.
MAX_MAILBOX_KEY_LENGTH = 254

# Only providers known to deliver ``local+tag`` to ``local`` fold: elsewhere ``a+b`` may be another person's mailbox.
PLUS_ADDRESSING_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "outlook.co.uk",
        "outlook.de",
        "outlook.es",
        "outlook.fr",
        "outlook.it",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.de",
        "hotmail.es",
        "hotmail.fr",
        "hotmail.it",
        "live.com",
        "live.co.uk",
        "live.fr",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "fastmail.com",
        "fastmail.fm",
        "protonmail.com",
        "protonmail.ch",
        "proton.me",
        "pm.me",
        "yandex.ru",
        "yandex.com",
        "ya.ru",
        "zoho.com",
        "hey.com",
    }
)

# Yahoo's disposable addresses are ``base-keyword``; a ``+`` there is no tag.
HYPHEN_ADDRESSING_DOMAINS = frozenset(
    {
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.de",
        "yahoo.es",
        "yahoo.it",
        "yahoo.ca",
        "yahoo.com.au",
        "yahoo.com.br",
        "yahoo.co.in",
        "yahoo.co.jp",
        "ymail.com",
        "rocketmail.com",
    }
)

# Gmail ignores dots in the local part, and googlemail.com is what gmail.com is called where the name was taken.
_GMAIL = "gmail.com"
_GMAIL_DOMAINS = frozenset({_GMAIL, "googlemail.com"})


def mailbox_key(email: str) -> str:
    """The key under which ``email`` (canonical: lower-case ``local@domain``) shares a mailbox with its spellings.

    Tags are dropped only where the provider is known to ignore them; any other address is its own key. A local
    part that folding would leave empty stays as it was, so a key is never a bare ``@domain``.
    """
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return email
    if domain in _GMAIL_DOMAINS:
        folded = _drop_tag(local, "+").replace(".", "")
        domain = _GMAIL
    elif domain in PLUS_ADDRESSING_DOMAINS:
        folded = _drop_tag(local, "+")
    elif domain in HYPHEN_ADDRESSING_DOMAINS:
        folded = _drop_tag(local, "-")
    else:
        return email
    return f"{folded or local}@{domain}"


def _drop_tag(local: str, separator: str) -> str:
    return local.partition(separator)[0]
