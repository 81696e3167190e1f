"""``python -m referrals [COMMAND]``: serve the API (the default), run background work, or administer."""

import os
import sys
from typing import Final

from referrals.cli.main import main

# glibc gives each thread that allocates a malloc arena of its own and keeps what argon2 frees there: 19 MiB
# per hashing thread, resident for good, out of malloc_trim's reach. In the one main arena, the hasher hands
# it back whenever no hash is pending, at no measurable cost to the hash rate. glibc reads this when a
# process starts, so the process re-executes itself once with it set (an operator's own value stands).
MALLOC_ARENAS: Final = "1"


if __name__ == "__main__":
    if "MALLOC_ARENA_MAX" not in os.environ:
        os.environ["MALLOC_ARENA_MAX"] = MALLOC_ARENAS
        os.execv(sys.executable, sys.orig_argv)  # noqa: S606 - the same command line, in a fresh process
    sys.exit(main())
