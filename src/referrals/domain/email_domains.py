"""The domains an address's domain belongs to, and what to do when one of them hands out throwaway addresses."""

import enum


class DisposablePolicy(enum.StrEnum):
    """What signing up with a disposable address leads to."""

    REJECT = "reject"
    FLAG = "flag"
    ALLOW = "allow"


def domain_and_parents(domain: str) -> list[str]:
    """``domain``, then each parent down to the last one of two labels, nearest first.

    A throwaway service hands out subdomains of its own (``x.mailinator.com``), so a list of its names holds only
    the registered one; a top-level domain alone is nobody's mailbox and is never named.
    """
    labels = domain.split(".")
    return [domain, *(".".join(labels[start:]) for start in range(1, len(labels) - 1))]
