"""OpenAPI (drf-spectacular) pieces: our two ways in as security schemes, typed path
parameters. (The Swagger UI page is crm/core/api/docs.py.)

Imported from CoreConfig.ready() so the extensions are registered before any schema is built.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import (
    build_bearer_security_scheme_object,
    get_doc,
    get_view_model,
)
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from ..http import TenantAPIMixin

ID_PARAMETER = re.compile(r"^(id|pk|.+_id|.+_pk)$")


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "crm.core.api.auth.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        definition = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.keyword
        )
        definition["description"] = str(
            _(
                "An API key created under Settings → API keys (or with `manage.py "
                "create_api_key`), sent as `Authorization: Bearer <key>`. The key acts with "
                "the role chosen when it was created, in the tenant it belongs to."
            )
        )
        return definition


class TenantSessionScheme(OpenApiAuthenticationExtension):
    target_class = "crm.core.api.auth.TenantSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": str(
                _(
                    "The browser session of a logged-in user, in the tenant they are working "
                    "in. Requests that change data must also send the CSRF token in the "
                    "X-CSRFToken header."
                )
            ),
        }


class CrmAutoSchema(AutoSchema):
    """Types id path parameters that spectacular cannot look up itself.

    Our viewsets build their queryset from the request's tenant (there is no class-level
    `queryset` to read, on purpose: a queryset outside the tenant must not exist), and the
    schema generator's fake request has no tenant. Every primary key is a bigint (DESIGN:
    one id type everywhere), so an untyped `id`/`pk`/`*_id` in a path is an integer."""

    def get_description(self) -> str:  # type: ignore[override]
        description = super().get_description()
        # spectacular falls back to the first docstring in the view's MRO; the mixin's
        # "for DRF views..." note is for developers, not API users.
        return "" if description == get_doc(TenantAPIMixin) else description

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if get_view_model(self.view, emit_warnings=False) is not None:
            return parameters  # spectacular reads the type from the model field
        declared = {p.name for p in parameters if isinstance(p, OpenApiParameter)}
        converters = getattr(getattr(self, "path_regex", None), "converters", None) or {}
        for name in re.findall(r"{(\w+)}", self.path):
            if name in declared or name in converters or not ID_PARAMETER.match(name):
                continue
            parameters.append(
                OpenApiParameter(
                    name,
                    OpenApiTypes.INT,
                    OpenApiParameter.PATH,
                    description=str(_("The id of the object.")),
                )
            )
        return parameters
