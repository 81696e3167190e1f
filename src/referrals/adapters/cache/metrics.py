"""Cache counters, so an operator can see the hit rate and notice an outage."""

from prometheus_client import Counter

lookups = Counter("referrals_code_cache_lookups", "Code-cache lookups by result.", ["backend", "result"])
invalidations = Counter(
    "referrals_code_cache_invalidations", "Code-cache invalidations by result.", ["backend", "result"]
)
