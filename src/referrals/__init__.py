"""A referral-program REST API built as a hexagon: a pure domain, use cases behind ports, adapters outside."""
