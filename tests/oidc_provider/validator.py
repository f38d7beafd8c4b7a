"""The provider's claims (email, email_verified, name and the role claim of each person,
from `people.json`) and its deliberate misbehaviour (`mode.json`)."""

from __future__ import annotations

import json
import time

from django.conf import settings
from jwcrypto import jwk, jwt
from oauth2_provider.oauth2_validators import OAuth2Validator


def _read(name: str, default):
    path = settings.CONTROL / name
    return json.loads(path.read_text()) if path.exists() else default


class TestValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below goes into the ID token

    def get_additional_claims(self, request):
        person = _read("people.json", {}).get(request.user.username, {})
        claims = {
            "email": person.get("email", request.user.username),
            "email_verified": person.get("email_verified", True),
            "name": person.get("name", ""),
        }
        claim = person.get("claim_name", "roles")
        if "roles" in person:
            claims[claim] = person["roles"]
        return claims

    def finalize_id_token(self, id_token, token, token_handler, request):
        signed = super().finalize_id_token(id_token, token, token_handler, request)
        mode = _read("mode.json", {}).get("mode", "")
        if not mode:
            return signed
        key = request.client.jwk_key
        parsed = jwt.JWT(jwt=signed, key=key)
        header, claims = json.loads(parsed.header), json.loads(parsed.claims)
        if mode == "expired":
            claims["iat"] = int(time.time()) - 7200
            claims["exp"] = int(time.time()) - 3600
        elif mode == "wrong_audience":
            claims["aud"] = "another-client"
        elif mode == "wrong_nonce":
            claims["nonce"] = "not-the-nonce-we-were-given"
        elif mode == "forged":
            # The same key id as the real key, but another key: only the signature shows it.
            key = jwk.JWK.generate(kty="RSA", size=2048)
        out = jwt.JWT(header=json.dumps(header), claims=json.dumps(claims))
        out.make_signed_token(key)
        return out.serialize()
