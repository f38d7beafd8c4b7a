"""Who else is on a ticket now: each open ticket page beats every few seconds (htmx),
saying whether its reply box holds a draft; the page shows the others seen lately."""
