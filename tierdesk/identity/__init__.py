"""Identity: scoped API tokens, the second factor, invitations and self-administration,
single sign-on and privacy. Who may administer whom is decided in `access.py`."""
