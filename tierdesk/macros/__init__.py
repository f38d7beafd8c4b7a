"""Macros and canned replies: reply templates with a fixed set of placeholders, owned by
an organisation (the vendor or a partner) or by one person, that may also set fields and
run one allowed action through the ticket services; and each person's signature,
appended to their public replies."""
