"""The customer's rating page (public, no login): the tenant comes from the slug only, the
request from the token's hash inside that tenant. A forged token answers 404, an expired
one 410, a used one the "already rated" page; none of them changes anything."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from crm.core.context import tenant_context
from crm.core.models import Tenant
from crm.core.permissions import public

from . import services
from .models import RATINGS

FACES = {1: "😞", 2: "🙁", 3: "😐", 4: "🙂", 5: "😄"}


def _tenant(slug: str) -> Tenant:
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise Http404
    return tenant


@public
@require_http_methods(["GET", "POST"])
def csat_rate(request: HttpRequest, tenant_slug: str, token: str) -> HttpResponse:
    tenant = _tenant(tenant_slug)
    with tenant_context(tenant):
        found = services.csat_find(tenant=tenant, token=token)
        language = found.language if found is not None else tenant.language or "ja"
        with translation.override(language):
            return _rate(request, tenant, token, found)


def _rate(
    request: HttpRequest, tenant: Tenant, token: str, found: services.CsatRequest | None
) -> HttpResponse:
    context: dict = {"tenant": tenant, "csat": found}
    try:
        services.csat_check(found)
    except services.CsatError as exc:
        return _state(request, context, exc.code)
    assert found is not None
    errors: dict[str, str] = {}
    values = {"rating": "", "comment": ""}
    if request.method == "POST":
        values = {
            "rating": request.POST.get("rating", ""),
            "comment": request.POST.get("comment", ""),
        }
        try:
            services.csat_submit(tenant=tenant, token=token, **values)
        except services.CsatInputError as exc:
            errors = exc.errors
        except services.CsatError as exc:
            return _state(request, context, exc.code)
        else:
            return render(request, "support/csat/thanks.html", context)
    elif request.GET.get("rating", "") in {str(r) for r in RATINGS}:
        values["rating"] = request.GET["rating"]  # a face clicked in the mail
    context.update(
        {
            "errors": errors,
            "values": values,
            "choices": [(r, FACES[r]) for r in RATINGS],
            "ticket": found.ticket,
        }
    )
    return render(request, "support/csat/rate.html", context, status=400 if errors else 200)


def _state(request: HttpRequest, context: dict, code: str) -> HttpResponse:
    status = {"invalid": 404, "expired": 410, "rated": 200}[code]
    context["state"] = code
    return render(request, "support/csat/state.html", context, status=status)
