"""The engineering trackers a problem is linked to: Jira (REST API v3) and GitHub (REST
API). `clients` calls them (create an issue, add a comment); `inbound` reads their
webhooks (signature, issue, status). Each tracker's credentials are in a `Tracker` row,
encrypted at rest."""
