"""A real OpenID Connect provider for the single sign-on tests: django-oauth-toolkit with
OIDC on, as a small Django project of its own, run by `serve.py` as a subprocess on
127.0.0.1. Its people and its misbehaviour (a forged, expired, wrong-audience or
wrong-nonce ID token) are read from JSON files in its control folder at each request,
so a test switches them without restarting it. Never part of the product."""
