"""The dishka providers, one module per area: the only place that knows which adapter plays which port."""
