"""Who is on duty: availability and out of office per person, and per level queue the
round-robin auto-assignment with a cap of open tickets per agent."""
