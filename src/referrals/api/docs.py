"""The interactive docs: Swagger UI and ReDoc, served with assets of the app's own, no CDN involved."""

import logging
from pathlib import Path

from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, RedocRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, Contact, License, OAuthFlow, OAuthFlows, SecurityScheme, Tag
from litestar.router import Router
from litestar.static_files import create_static_files_router

DOCS_PATH = "/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
# Filled by scripts/fetch_docs_assets.py (pinned npm tarballs, integrity-checked), which `make` runs.
ASSETS_DIRECTORY = Path(__file__).parent / "docs_assets"
FAVICON = f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>"
# The UIs run inline bootstrapping scripts and styles, and ReDoc renders in a blob: worker.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'"
)

logger = logging.getLogger(__name__)

# Every tag an operation carries, described once: generators name their modules after them.
TAGS = [
    Tag(name="auth", description="Accounts and sessions: register, the OAuth 2.0 token endpoint, refresh, log out."),
    Tag(name="users", description="The caller's own account and rewards."),
    Tag(name="referral codes", description="A referrer's code: create it, find it by the referrer's email, delete it."),
    Tag(name="referrals", description="Registering with a code, and a referrer's referrals and stats."),
    Tag(
        name="programme",
        description="The programme's terms, and the conversions the operator's backend reports.",
    ),
    Tag(name="operations", description="Liveness and readiness, for load balancers and orchestrators."),
    Tag(name="operators", description="For operators' API keys: the event feed, referrals, voids and payouts."),
    Tag(name="webhooks", description="Endpoints the events are pushed to, signed, and their delivery logs."),
]


def openapi_config(title: str, version: str) -> OpenAPIConfig:
    return OpenAPIConfig(
        title=title,
        version=version,
        description="Referral codes with a mandatory expiry, and the referrals they bring. "
        "Authorize with your email as the username to try the protected routes.",
        contact=Contact(name="Referral service maintainers"),
        # No licence is granted for the service or its API; the document says so rather than say nothing
        # (an SPDX LicenseRef names a licence of one's own).
        license=License(name="Proprietary", identifier="LicenseRef-Proprietary"),
        tags=TAGS,
        path=DOCS_PATH,
        render_plugins=[
            SwaggerRenderPlugin(
                path="/",
                js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
                css_url=f"{ASSETS_PATH}/swagger-ui.css",
                standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
                favicon=FAVICON,
            ),
            RedocRenderPlugin(
                path="/redoc", js_url=f"{ASSETS_PATH}/redoc.standalone.js", google_fonts=False, favicon=FAVICON
            ),
            JsonRenderPlugin(path="/openapi.json"),
        ],
        use_handler_docstrings=True,
        components=Components(
            security_schemes={
                "OAuth2PasswordBearer": SecurityScheme(
                    type="oauth2",
                    description="Log in with your email as the username.",
                    flows=OAuthFlows(password=OAuthFlow(token_url="/auth/login", scopes={})),  # noqa: S106 - a URL
                ),
                "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT"),
                # The operator routes' scheme: paste an rk_ key (from `python -m referrals api-keys create`).
                "ApiKey": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="rk_ API key",
                    description="An operator API key, sent as `Authorization: Bearer rk_...`; each operator "
                    "route needs one scope of the key (a 403 `insufficient-scope` names it).",
                ),
            }
        ),
    )


def docs_assets_router() -> Router:
    if not (ASSETS_DIRECTORY / "manifest.json").is_file():
        logger.warning("the docs UI assets are missing (run `make bootstrap`); /docs will render blank")
    return create_static_files_router(
        path=ASSETS_PATH, directories=[ASSETS_DIRECTORY], include_in_schema=False, send_as_attachment=False
    )
