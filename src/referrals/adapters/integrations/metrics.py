from prometheus_client import Counter

calls = Counter("referrals_integration_calls", "Calls to external providers by outcome.", ["provider", "outcome"])
