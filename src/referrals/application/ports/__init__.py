"""What the use cases need from the outside world, named by role and split by area. Adapters implement these."""
