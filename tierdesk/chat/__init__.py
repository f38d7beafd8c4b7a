"""Live conversation at Level 1: customers chat with their partner's (or the vendor's) L1
agents; the transcript fills a handover draft and can become a ticket."""
