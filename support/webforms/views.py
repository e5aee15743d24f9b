"""Pages: the admins' form list and builder (under /support/), and the public form
(/portal/<tenant slug>/forms/<key>/). Thin: parse, check access, call a service, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from crm.core import context
from crm.core.customfields import definitions_for, label_for
from crm.core.http import TenantRequest
from crm.core.middleware import client_ip
from crm.core.models import Membership, ObjectType
from crm.core.permissions import public, require_perm
from support.tickets.models import Priority, SupportTeam, TicketCategory

from . import selectors, services
from .models import FieldType, FormKind, FormLanguage, InquiryForm

PERM = "settings.manage"
RECEIPT_SALT = "support.webforms.receipt"
# The public form may be framed by any site (the embed snippet); everything else stays
# as strict as the rest of the product.
PUBLIC_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors *; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)


def _me(request: TenantRequest) -> Any:
    return request.user if request.user.is_authenticated else None


# --- admin pages --------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@require_perm(PERM)
def form_list(request: TenantRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    values = {"name": "", "kind": FormKind.INQUIRY, "language": request.tenant.language or "ja"}
    if request.method == "POST":
        values = {k: (request.POST.get(k) or "").strip() for k in values}
        try:
            form = services.form_create(
                tenant=request.tenant,
                name=values["name"],
                kind=values["kind"] or FormKind.INQUIRY,
                language=values["language"],
                actor=_me(request),
            )
        except services.FormDefinitionError as exc:
            errors = {k: " ".join(v) for k, v in exc.errors.items()}
        else:
            messages.success(request, _("Form created. Add fields, then publish it."))
            return redirect("support:form_edit", form_id=form.pk)
    forms = list(selectors.form_list(tenant=request.tenant))
    return render(
        request,
        "support/webforms/list.html",
        {
            "forms": forms,
            "errors": errors,
            "values": values,
            "kinds": FormKind.choices,
            "languages": FormLanguage.choices,
        },
        status=400 if errors else 200,
    )


def _public_url(request: HttpRequest, form: InquiryForm) -> str:
    return request.build_absolute_uri(
        reverse("portal:form", kwargs={"tenant_slug": form.tenant.slug, "key": form.key})
    )


def _snippets(request: HttpRequest, form: InquiryForm) -> dict[str, str]:
    url = _public_url(request, form)
    script = request.build_absolute_uri(static("js/support_form_embed.js"))
    title = form.display_title.replace('"', "&quot;").replace("<", "&lt;")
    return {
        "public_url": url,
        "iframe": (
            f'<iframe src="{url}?embed=1" title="{title}" '
            'style="width:100%;border:0;min-height:600px" loading="lazy"></iframe>'
        ),
        "script": f'<script src="{script}" data-crm-form="{url}" async></script>',
    }


def _builder_context(request: TenantRequest, form: InquiryForm) -> dict[str, Any]:
    tenant = request.tenant
    members = (
        Membership.objects.filter(tenant=tenant, is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    options = {
        "field_types": [{"value": v, "label": str(label)} for v, label in FieldType.choices],
        "targets": [
            {"value": t.value, "label": t.label, "group": t.group}
            for t in services.mapping_targets(tenant=tenant)
        ],
        "kinds": [{"value": v, "label": str(label)} for v, label in FormKind.choices],
        "languages": [{"value": v, "label": str(label)} for v, label in FormLanguage.choices],
        "priorities": [{"value": v, "label": str(label)} for v, label in Priority.choices],
        "categories": [
            {"value": c.pk, "label": c.name}
            for c in TicketCategory.objects.filter(tenant=tenant, is_active=True)
        ],
        "teams": [
            {"value": t.pk, "label": t.name}
            for t in SupportTeam.objects.filter(tenant=tenant).order_by("name")
        ],
        "users": [{"value": m.user_id, "label": str(m.user)} for m in members],
        "save_url": reverse("support:form_save", kwargs={"form_id": form.pk}),
        "default_file_types": services.DEFAULT_FILE_TYPES,
        "max_file_mb": services.file_limit_bytes(tenant=tenant) // (1024 * 1024),
    }
    definition = services.form_definition(form=form)
    return {
        "form": form,
        "definition": definition,
        "warnings": services.form_warnings(tenant=tenant, definition=definition),
        "options": options,
        "text": _builder_text(),
        **_snippets(request, form),
    }


def _builder_text() -> dict[str, str]:
    """What the builder's script says, translated here (no strings in the JS)."""
    return {
        "up": _("Move up"),
        "down": _("Move down"),
        "remove": _("Remove"),
        "removed": _("Field removed."),
        "undo": _("Undo"),
        "required": _("Required"),
        "label": _("Label"),
        "help_text": _("Help text"),
        "type": _("Type"),
        "choices": _("Choices (one per line)"),
        "mapping": _("Saved to"),
        "empty": _("No fields yet. Add one from the palette on the left."),
        "select_field": _("Choose a field in the list to configure it."),
        "saved": _("Saved."),
        "unsaved": _("Unsaved changes"),
        "saving": _("Saving…"),
        "fix": _("Nothing was saved. Fix these and save again:"),
        "copied": _("Copied."),
        "consent": _("I agree to the handling of my personal information."),
        "submit": _("Send"),
        "new_field": _("New field"),
        "choose": _("Choose…"),
        "field_n": _("Field %(n)s"),
        "moved": _("Moved to position %(n)s."),
        "network": _("Could not reach the server. Your changes are still here; try again."),
        "file_types": _("Allowed file types"),
        "file_types_help": _(
            "Extensions separated by commas, such as pdf, jpg. Leave empty for the defaults: "
            "%(types)s."
        ),
        # The public page's own words, so the preview reads the same.
        "file_hint": _("Types: %(types)s. Up to %(limit)s MB."),
    }


@require_http_methods(["GET"])
@require_perm(PERM)
def form_edit(request: TenantRequest, form_id: int) -> HttpResponse:
    form = selectors.access_form(tenant=request.tenant, form_id=form_id)
    return render(request, "support/webforms/builder.html", _builder_context(request, form))


@require_POST
@require_perm(PERM)
def form_save(request: TenantRequest, form_id: int) -> HttpResponse:
    """The builder saves the whole definition as JSON; 400 with every problem, nothing saved."""
    form = selectors.access_form(tenant=request.tenant, form_id=form_id)
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        problem = _("The request was not valid JSON.")
        return JsonResponse({"errors": {"__all__": [problem]}}, status=400)
    try:
        form = services.form_save(tenant=request.tenant, form=form, data=data, actor=_me(request))
    except services.FormDefinitionError as exc:
        return JsonResponse({"errors": exc.errors}, status=400)
    definition = services.form_definition(form=form)
    warnings = services.form_warnings(tenant=request.tenant, definition=definition)
    return JsonResponse({"definition": definition, "warnings": warnings})


@require_POST
@require_perm(PERM)
def form_publish(request: TenantRequest, form_id: int) -> HttpResponse:
    form = selectors.access_form(tenant=request.tenant, form_id=form_id)
    publish = request.POST.get("published") == "1"
    try:
        form = services.form_publish(tenant=request.tenant, form=form, published=publish)
    except services.FormDefinitionError as exc:
        problems = " ".join(m for msgs in exc.errors.values() for m in msgs)
        messages.error(request, _("Not published: %(problems)s") % {"problems": problems})
    else:
        if publish:
            messages.success(request, _("Published. The public URL and the embed code work now."))
            definition = services.form_definition(form=form)
            for warning in services.form_warnings(tenant=request.tenant, definition=definition):
                messages.warning(request, warning)
        else:
            messages.success(request, _("Unpublished. The public URL answers “not found” now."))
    return redirect("support:form_edit", form_id=form.pk)


@require_POST
@require_perm(PERM)
def form_delete(request: TenantRequest, form_id: int) -> HttpResponse:
    form = selectors.access_form(tenant=request.tenant, form_id=form_id)
    services.form_delete(tenant=request.tenant, form=form)
    messages.success(request, _("Form “%(name)s” deleted.") % {"name": form.name})
    return redirect("support:form_list")


@require_http_methods(["GET"])
@require_perm(PERM)
def form_submissions(request: TenantRequest, form_id: int) -> HttpResponse:
    form = selectors.access_form(tenant=request.tenant, form_id=form_id)
    try:
        after = int(request.GET.get("after") or 0) or None
    except ValueError:
        after = None
    page = selectors.submission_page(tenant=request.tenant, form=form, after=after)
    fields = selectors.form_fields(tenant=request.tenant, form=form)
    cf_labels: dict[str, str] | None = None
    rows = []
    for sub in page.rows:
        labels = sub.data.get("_labels", {})
        values = [
            (labels.get(key) or key, value)
            for key, value in sub.data.items()
            if not key.startswith("_") and value
        ]
        no_contact = ""
        refused = sub.data.get(services.NO_CONTACT) or sub.data.get(services.CONTACT_NOT_UPDATED)
        if isinstance(refused, dict):  # a rule that still refused the contact (unique clash)
            reasons = " ".join(
                f"{labels.get(key) or key}: {' '.join(messages)}"
                if key != "__all__"
                else " ".join(messages)
                for key, messages in refused.items()
            )
            if services.NO_CONTACT in sub.data:
                no_contact = _(
                    "No contact was created: %(reasons)s The customer's answers are all here "
                    "and in the inquiry."
                ) % {"reasons": reasons}
            else:
                no_contact = _("The contact was not updated with these answers: %(reasons)s") % {
                    "reasons": reasons
                }
        elif refused:  # stored before new contacts could lack required fields
            if cf_labels is None:  # one query for the page, only when needed
                cf_labels = {
                    d.key: label_for(d)
                    for d in definitions_for(tenant=request.tenant, object_type=ObjectType.CONTACT)
                }
            comma = "、" if (translation.get_language() or "").startswith("ja") else ", "
            names = comma.join(cf_labels.get(k, k) for k in refused)
            no_contact = _(
                "No contact was created: the required contact field(s) %(fields)s were not "
                "given on the form. The customer's answers are all here and in the inquiry."
            ) % {"fields": names}
        rows.append(
            {
                "submission": sub,
                "values": values,
                "ticket_url": _ticket_url(sub),
                "no_contact": no_contact,
            }
        )
    return render(
        request,
        "support/webforms/submissions.html",
        {"form": form, "rows": rows, "next_cursor": page.next_cursor, "fields": fields},
    )


def _ticket_url(submission: Any) -> str:
    if not submission.ticket_id:
        return ""
    try:
        return reverse("support:ticket_detail", kwargs={"ticket_id": submission.ticket_id})
    except NoReverseMatch:
        return ""


# --- the public form ------------------------------------------------------------------------
def _suggest_url(slug: str) -> str:
    """The FAQ's suggestion endpoint, when the FAQ part provides it."""
    try:
        return reverse("portal:kb_suggest", kwargs={"tenant_slug": slug})
    except NoReverseMatch:
        return ""


def _public_page(
    request: HttpRequest, template: str, ctx: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, ctx, status=status)
    response["Content-Security-Policy"] = PUBLIC_CSP
    response["Cache-Control"] = "no-store"
    return response


def _field_rows(fields: list[Any], values: dict[str, str], errors: dict[str, list[str]]) -> list:
    rows = []
    for f in fields:
        rows.append(
            {
                "field": f,
                "name": f.key,
                "value": values.get(f.key, ""),
                "errors": errors.get(f.key, []),
                "suggest": f.mapping in ("ticket.subject", "ticket.body"),
            }
        )
    return rows


@public
@csrf_exempt  # Embedded on other sites, where our CSRF cookie is not sent (third-party
# frame). The signed time token ties a post to a page we served; the form changes nothing
# a visitor owns, so there is no session to ride.
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest, tenant_slug: str, key: str) -> HttpResponse:
    tenant = selectors.public_tenant(slug=tenant_slug)
    with context.tenant_context(tenant):
        form = selectors.public_form(tenant=tenant, key=key)
        fields = selectors.form_fields(tenant=tenant, form=form)
        with translation.override(form.language):
            values: dict[str, str] = {}
            errors: dict[str, list[str]] = {}
            notice = ""
            limited = False
            if request.method == "POST":
                ip = client_ip(request)
                values = {f.key: (request.POST.get(f.key) or "") for f in fields}
                outcome = services.form_submit_public(
                    tenant=tenant,
                    form=form,
                    data=request.POST,
                    ip=ip,
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                    files=request.FILES,
                )
                limited = outcome.status == "limited"
                if outcome.status == "silent":
                    return redirect(_thanks_url(form, ""))
                if outcome.status == "accepted" and outcome.submission is not None:
                    return redirect(_thanks_url(form, outcome.submission.receipt))
                notice = outcome.message
                errors = outcome.errors
            has_files = any(f.field_type == FieldType.FILE for f in fields)
            ctx = {
                "form": form,
                "lang": form.language,
                "rows": _field_rows(fields, values, errors),
                "errors": errors,
                "general_errors": errors.get("__all__", []),
                "consent_errors": errors.get(services.CONSENT, []),
                "consent_checked": bool(request.POST.get(services.CONSENT)),
                "notice": notice,
                "token": _token_for(form, request),
                "honeypot": services.HONEYPOT,
                "token_name": services.TOKEN,
                "consent_name": services.CONSENT,
                "suggest_url": _suggest_url(tenant.slug),
                "embed": request.GET.get("embed") == "1" or request.POST.get("embed") == "1",
                "has_files": has_files,
                "file_limit_mb": (
                    services.file_limit_bytes(tenant=tenant) // (1024 * 1024) if has_files else 0
                ),
                "reshown": request.method == "POST",
                # Over the limit: the same form again with what was typed, and why.
                "limited": limited,
            }
            return _public_page(
                request,
                "support/webforms/public_form.html",
                ctx,
                status=429 if limited else 400 if errors else 200,
            )


def _token_for(form: InquiryForm, request: HttpRequest) -> str:
    """A re-shown form keeps the token of the first page view (the time since then is what
    tells a person from a robot); a new page view, or a bad token, gets a fresh one."""
    posted = str(request.POST.get(services.TOKEN) or "")
    if posted and services.token_age(form=form, token=posted) is not None:
        return posted
    return services.form_token(form=form)


def _thanks_url(form: InquiryForm, receipt: str) -> str:
    token = signing.dumps({"f": form.pk, "r": receipt}, salt=RECEIPT_SALT)
    url = reverse("portal:form_thanks", kwargs={"tenant_slug": form.tenant.slug, "key": form.key})
    return f"{url}?r={token}"


@public
@xframe_options_exempt
@require_http_methods(["GET"])
def public_thanks(request: HttpRequest, tenant_slug: str, key: str) -> HttpResponse:
    tenant = selectors.public_tenant(slug=tenant_slug)
    with context.tenant_context(tenant):
        form = selectors.public_form(tenant=tenant, key=key)
        try:
            payload = signing.loads(request.GET.get("r", ""), salt=RECEIPT_SALT, max_age=3600)
        except signing.BadSignature:
            payload = {}
        if payload.get("f") not in (None, form.pk):
            raise Http404
        with translation.override(form.language):
            return _public_page(
                request,
                "support/webforms/public_thanks.html",
                {"form": form, "lang": form.language, "receipt": payload.get("r", "")},
            )
