"""OpenID Connect through Authlib's Django client, one client per organisation.

Authlib does the protocol: discovery (the provider's metadata), the authorization code
flow with PKCE (S256), a random `state` and `nonce` kept in the session, the code
exchanged at the token endpoint, and the ID token checked against the provider's JWKS
(signature), our client id (audience, `azp`), the issuer, expiry and the nonce. Here we
add what Authlib leaves to the application: the discovered issuer must be the configured
one, only asymmetric signature algorithms are accepted, an ID token is required, and the
audience is checked as a claim option (Authlib alone only checks `azp`).

Errors of any kind become `SsoFailed` with a code for the audit and a message for the
person; the client secret and the tokens are never logged."""

from __future__ import annotations

from typing import Any

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App
from authlib.integrations.django_client.integration import DjangoIntegration
from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from joserfc.errors import JoseError

from tierdesk.identity.models import SsoConfig

CLIENT_NAME = "tierdesk-sso"
FLOWS_KEY = "identity_sso_flows"
SCOPE = "openid email profile"
SAFE_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
MAX_FLOWS = 5  # started sign-ins kept per session (several tabs)


class SsoFailed(Exception):
    """The sign-in did not pass: `code` for the audit, `message` for the person."""

    def __init__(self, code: str, message: str, *, audited: bool = False):
        super().__init__(message)
        self.code, self.message, self.audited = code, message, audited


def _client(config: SsoConfig) -> DjangoOAuth2App:
    return DjangoOAuth2App(
        DjangoIntegration(CLIENT_NAME),
        name=CLIENT_NAME,
        client_id=config.client_id,
        client_secret=config.client_secret or None,
        server_metadata_url=config.discovery_url,
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic" if config.client_secret else "none",
            "default_timeout": settings.TIERDESK_SSO_TIMEOUT,
        },
    )


def _metadata(client: DjangoOAuth2App, config: SsoConfig) -> dict[str, Any]:
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        raise SsoFailed(
            "provider_unreachable",
            "The identity provider cannot be reached right now. Try again later.",
        ) from exc
    if str(metadata.get("issuer", "")).rstrip("/") != config.issuer.rstrip("/"):
        raise SsoFailed(
            "issuer_mismatch", "The identity provider's discovery names another issuer."
        )
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    metadata["id_token_signing_alg_values_supported"] = [
        alg for alg in offered if alg in SAFE_ALGORITHMS
    ] or ["RS256"]
    return metadata


def begin(request: HttpRequest, config: SsoConfig, *, redirect_uri: str, next_url: str):
    """The redirect to the provider's authorization endpoint. The state, nonce and PKCE
    verifier stay in this session (Authlib), with which organisation the state is for."""
    client = _client(config)
    _metadata(client, config)
    response: HttpResponseRedirect = client.authorize_redirect(request, redirect_uri)
    state = _query_value(response["Location"], "state")
    flows = dict(request.session.get(FLOWS_KEY) or {})
    flows[state] = {"config": config.pk, "next": next_url}
    request.session[FLOWS_KEY] = dict(list(flows.items())[-MAX_FLOWS:])
    return response


def _query_value(url: str, name: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(url).query).get(name, [""])[0]


def pending_flow(request: HttpRequest) -> tuple[SsoConfig, str]:
    """The organisation and the page to return to of the sign-in this callback ends;
    `bad_state` for a state this session did not start (or started and used already)."""
    state = request.GET.get("state", "")
    flows = dict(request.session.get(FLOWS_KEY) or {})
    flow = flows.pop(state, None) if state else None
    request.session[FLOWS_KEY] = flows
    if flow is None:
        raise SsoFailed("bad_state", "This sign-in was not started here, or has expired.")
    config = SsoConfig.objects.select_related("organisation").filter(pk=flow["config"]).first()
    if config is None or not config.enabled:
        raise SsoFailed("disabled", "Single sign-on is not enabled for this organisation.")
    return config, flow.get("next") or ""


def finish(request: HttpRequest, config: SsoConfig) -> dict[str, Any]:
    """The ID token's claims, validated; `SsoFailed` otherwise."""
    error = request.GET.get("error")
    if error:
        raise SsoFailed("provider_error", f"The identity provider refused: {error[:100]}.")
    client = _client(config)
    _metadata(client, config)
    options = {
        "iss": {"essential": True, "value": config.issuer},
        "aud": {"essential": True, "value": config.client_id},
        "exp": {"essential": True},
        "nonce": {"essential": True},
    }
    try:
        token = client.authorize_access_token(
            request, claims_options=options, leeway=settings.TIERDESK_SSO_LEEWAY
        )
    except MismatchingStateError as exc:
        raise SsoFailed("bad_state", "This sign-in was not started here, or has expired.") from exc
    except JoseError as exc:
        raise SsoFailed(
            f"id_token_{getattr(exc, 'error', 'invalid')}",
            "The identity provider's answer did not pass our checks (ID token: "
            f"{getattr(exc, 'description', '') or exc.__class__.__name__}).",
        ) from exc
    except OAuthError as exc:
        raise SsoFailed(
            "token_refused", f"The identity provider refused the sign-in ({exc.error})."
        ) from exc
    except requests.RequestException as exc:
        raise SsoFailed(
            "provider_unreachable",
            "The identity provider cannot be reached right now. Try again later.",
        ) from exc
    claims = token.get("userinfo")
    if not claims:
        raise SsoFailed("no_id_token", "The identity provider sent no ID token.")
    return dict(claims)
