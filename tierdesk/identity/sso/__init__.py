"""Single sign-on through each organisation's OpenID Connect provider (docs/identity.md).

`roles.py` maps a role claim onto a role (pure), `client.py` speaks OpenID Connect
through Authlib (discovery, authorization code with PKCE, state, nonce, the ID token's
signature, issuer, audience and expiry), `policy.py` answers who signs in where,
`backends.py` holds the session's backend and the password switch, `views.py` the pages.
Writes go through `identity/services/sso.py`."""
