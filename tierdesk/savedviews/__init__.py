"""Saved views: a queue with its filters and order, saved under a name — personal, or
shared with the person's team (the same organisation and level) — in the console's
sidebar with the number of tickets each holds for the person looking."""
