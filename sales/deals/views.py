"""Deal pages: the board, the list, a deal's page and form, pipeline settings. Views parse,
check access (through the selectors: tenant and record visibility), call a service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.core.customfields import add_errors_to_form, definitions_for, display_rows
from crm.core.http import TenantRequest
from crm.core.models import ObjectType
from crm.core.permissions import require_perm
from crm.core.roles import has_perm

from . import selectors, services
from .forms import DealForm, NoteForm, PipelineForm, StageForm, contact_options, owner_choices
from .models import Deal, StageKind

LIST_PAGE = 50


def _int(value: Any) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def _board_pipeline(request: TenantRequest) -> Any:
    pipeline_id = _int(request.GET.get("pipeline"))
    if pipeline_id is not None:
        return selectors.access_pipeline(tenant=request.tenant, pipeline_id=pipeline_id)
    return services.pipeline_default(tenant=request.tenant)


def _filters(request: TenantRequest) -> selectors.DealFilters:
    params = request.GET if request.method == "GET" else request.POST
    filters = selectors.deal_filters(
        params={k: params.get(k, "") for k in ("owner", "close_month", "tag")}
    )
    return filters


@require_GET
@require_perm("sales.view")
def deal_board(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    pipeline = _board_pipeline(request)
    filters = _filters(request)
    columns = selectors.board(
        tenant=tenant, pipeline=pipeline, membership=request.membership, filters=filters
    )
    return render(
        request,
        "sales/board.html",
        {
            "pipeline": pipeline,
            "pipelines": selectors.pipelines(tenant=tenant),
            "columns": columns,
            "stages": [c.stage for c in columns],
            "filters": filters,
            "filter_query": filters.querystring(),
            "owners": owner_choices(tenant),
            "can_edit": has_perm(request.membership.role, "sales.edit"),
        },
    )


@require_GET
@require_perm("sales.view")
def deal_board_column(request: TenantRequest, stage_id: int) -> HttpResponse:
    """htmx: the next cards of one column ("show more")."""
    stage = selectors.access_stage(tenant=request.tenant, stage_id=stage_id)
    filters = _filters(request)
    before = _int(request.GET.get("before")) or 2**62
    cards = selectors.board_column_page(
        tenant=request.tenant,
        stage=stage,
        membership=request.membership,
        filters=filters,
        before_id=before,
        limit=selectors.BOARD_CARDS + 1,
    )
    has_more = len(cards) > selectors.BOARD_CARDS
    cards = cards[: selectors.BOARD_CARDS]
    return render(
        request,
        "sales/partials/column_cards.html",
        {
            "stage": stage,
            "cards": cards,
            "has_more": has_more,
            "last_id": cards[-1].pk if cards else None,
            "stages": selectors.stages_of(tenant=request.tenant, pipeline=stage.pipeline),
            "filter_query": filters.querystring(),
            "can_edit": has_perm(request.membership.role, "sales.edit"),
        },
    )


def _column_headers(request: TenantRequest, pipeline: Any, filters: Any) -> dict[str, str]:
    totals = selectors.board_totals(
        tenant=request.tenant, pipeline=pipeline, membership=request.membership, filters=filters
    )
    headers: dict[str, str] = {}
    for stage in selectors.stages_of(tenant=request.tenant, pipeline=pipeline):
        column = selectors.BoardColumn(
            stage=stage, **selectors.column_totals(totals.get(stage.pk, {}), stage)
        )
        headers[str(stage.pk)] = render_to_string(
            "sales/partials/column_header.html", {"column": column}, request=request
        )
    return headers


@require_POST
@require_perm("sales.edit")
def deal_move(request: TenantRequest, deal_id: int) -> HttpResponse:
    """Board moves (drag and drop or the keyboard). JSON: the columns' new headers, or the
    message saying what to fix (the deal is left where it was)."""
    deal = selectors.access_deal(
        tenant=request.tenant, deal_id=deal_id, membership=request.membership
    )
    stage_id = _int(request.POST.get("stage"))
    if stage_id is None:
        return JsonResponse({"error": _("Choose the stage to move the deal to.")}, status=400)
    as_page = request.headers.get("Accept", "").startswith("text/html")
    try:
        deal = services.deal_move_stage(
            tenant=request.tenant,
            deal=deal,
            stage=stage_id,
            actor=request.user,
            lost_reason=request.POST.get("lost_reason", ""),
        )
    except ValidationError as exc:
        if as_page:
            messages.error(request, " ".join(exc.messages))
            return redirect("sales:deal_detail", deal_id=deal.pk)
        return JsonResponse(
            {"error": " ".join(exc.messages), "fields": list(exc.message_dict)}, status=400
        )
    notices: list[str] = getattr(deal, "won_notices", [])
    if as_page:
        messages.success(request, _("Deal moved to %(stage)s.") % {"stage": deal.stage.label})
        for notice in notices:
            messages.info(request, notice)
        return redirect("sales:deal_detail", deal_id=deal.pk)
    moved = _("Moved “%(deal)s” to %(stage)s.") % {"deal": deal.name, "stage": deal.stage.label}
    return JsonResponse(
        {
            "deal": deal.pk,
            "stage": deal.stage_id,
            "headers": _column_headers(request, deal.pipeline, _filters(request)),
            "message": " ".join([moved, *notices]),
            "notices": notices,
        }
    )


@require_GET
@require_perm("sales.view")
def deal_list(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    filters = selectors.deal_filters(params=request.GET)
    qs = selectors.deal_list(tenant=tenant, membership=request.membership, filters=filters)
    before = _int(request.GET.get("before"))
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: LIST_PAGE + 1])
    has_more = len(rows) > LIST_PAGE
    rows = rows[:LIST_PAGE]
    kept = request.GET.copy()
    kept.pop("before", None)
    return render(
        request,
        "sales/deal_list.html",
        {
            "deals": rows,
            "next_before": rows[-1].pk if has_more and rows else None,
            "query": kept.urlencode(),
            "filters": filters,
            "errors": filters.errors,
            "pipelines": selectors.pipelines(tenant=tenant),
            "owners": owner_choices(tenant),
            "can_edit": has_perm(request.membership.role, "sales.edit"),
        },
    )


@require_GET
@require_perm("sales.view")
def deal_detail(request: TenantRequest, deal_id: int) -> HttpResponse:
    tenant = request.tenant
    deal = selectors.access_deal(tenant=tenant, deal_id=deal_id, membership=request.membership)
    definitions = definitions_for(tenant=tenant, object_type=ObjectType.DEAL)
    return render(
        request,
        "sales/deal_detail.html",
        {
            "deal": deal,
            "contacts": selectors.deal_contacts(tenant=tenant, deal=deal),
            "lines": list(deal.lines.select_related("product").order_by("position", "id")),
            "history": selectors.deal_stage_history(tenant=tenant, deal=deal),
            "timeline": selectors.deal_timeline(tenant=tenant, deal=deal),
            "stages": selectors.stages_of(tenant=tenant, pipeline=deal.pipeline),
            "custom_field_rows": display_rows(definitions, deal.custom_fields),
            "note_form": NoteForm(),
            "can_edit": has_perm(request.membership.role, "sales.edit"),
        },
    )


def _deal_form_page(request: TenantRequest, deal: Deal | None) -> HttpResponse:
    tenant = request.tenant
    definitions = definitions_for(tenant=tenant, object_type=ObjectType.DEAL)
    pipelines = selectors.pipelines(tenant=tenant) or [services.pipeline_default(tenant=tenant)]
    form_kwargs: dict[str, Any] = {
        "tenant": tenant,
        "membership": request.membership,
        "instance": deal,
        "pipelines": pipelines,
        "custom_field_definitions": definitions,
    }
    if deal is None and request.method == "GET":
        board_pipeline = _int(request.GET.get("pipeline"))
        form_kwargs["initial"] = {
            "pipeline": board_pipeline or services.pipeline_default(tenant=tenant).pk,
            "stage": _int(request.GET.get("stage")) or "",
            "currency": "JPY",
            "amount": "0",
            "owner": request.user.pk,
        }
    form = DealForm(request.POST or None, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if deal is None:
                deal = services.deal_create(tenant=tenant, actor=request.user, **data)
                messages.success(request, _("Deal created."))
            else:
                data.pop("pipeline", None)
                data.pop("stage", None)
                deal = services.deal_update(tenant=tenant, deal=deal, actor=request.user, **data)
                messages.success(request, _("Deal saved."))
            return redirect("sales:deal_detail", deal_id=deal.pk)
        except ValidationError as exc:
            add_errors_to_form(form, exc)
    return render(
        request,
        "sales/deal_form.html",
        {"form": form, "deal": deal, "custom_field_names": form.custom_field_names()},
    )


@require_perm("sales.edit")
def deal_create(request: TenantRequest) -> HttpResponse:
    return _deal_form_page(request, None)


@require_perm("sales.edit")
def deal_edit(request: TenantRequest, deal_id: int) -> HttpResponse:
    deal = selectors.access_deal(
        tenant=request.tenant, deal_id=deal_id, membership=request.membership
    )
    return _deal_form_page(request, deal)


@require_POST
@require_perm("sales.edit")
def deal_delete(request: TenantRequest, deal_id: int) -> HttpResponse:
    deal = selectors.access_deal(
        tenant=request.tenant, deal_id=deal_id, membership=request.membership
    )
    services.deal_soft_delete(tenant=request.tenant, deal=deal, actor=request.user)
    messages.success(request, _("Deal deleted."))
    return redirect("sales:deal_list")


@require_POST
@require_perm("sales.edit")
def deal_restore(request: TenantRequest, deal_id: int) -> HttpResponse:
    deal = selectors.access_deal(
        tenant=request.tenant, deal_id=deal_id, membership=request.membership, deleted=True
    )
    services.deal_restore(tenant=request.tenant, deal=deal, actor=request.user)
    messages.success(request, _("Deal restored."))
    return redirect("sales:deal_detail", deal_id=deal.pk)


@require_POST
@require_perm("sales.edit")
def deal_note(request: TenantRequest, deal_id: int) -> HttpResponse:
    deal = selectors.access_deal(
        tenant=request.tenant, deal_id=deal_id, membership=request.membership
    )
    try:
        services.deal_log_note(
            tenant=request.tenant, deal=deal, actor=request.user, body=request.POST.get("body", "")
        )
        messages.success(request, _("Note saved."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("sales:deal_detail", deal_id=deal.pk)


@require_GET
@require_perm("sales.view")
def contact_options_view(request: TenantRequest) -> HttpResponse:
    """htmx: the contacts select's options for what was typed (chosen ones kept)."""
    chosen = [int(v) for v in request.GET.getlist("contacts") if str(v).isdigit()]
    options = contact_options(
        request.tenant,
        request.membership,
        search=request.GET.get("contact_search", "").strip(),
        selected=chosen,
    )
    html = "".join(
        f'<option value="{pk}"{" selected" if pk in chosen else ""}>{_escape(label)}</option>'
        for pk, label in options
    )
    return HttpResponse(html)


def _escape(text: str) -> str:
    from django.utils.html import escape

    return escape(text)


# --- pipeline settings ------------------------------------------------------------------------
def _settings_redirect(pipeline_id: int | None = None) -> HttpResponse:
    url = reverse("sales:pipeline_settings")
    return redirect(f"{url}?pipeline={pipeline_id}" if pipeline_id else url)


@require_perm("settings.manage")
def pipeline_settings(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    services.pipeline_default(tenant=tenant)
    form = PipelineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pipeline = services.pipeline_create(
                tenant=tenant,
                name=form.cleaned_data["name"],
                actor=request.user,
                with_default_stages=bool(request.POST.get("with_default_stages")),
            )
            messages.success(request, _("Pipeline created."))
            return _settings_redirect(pipeline.pk)
        except ValidationError as exc:
            add_errors_to_form(form, exc)
    all_pipelines = selectors.pipelines(tenant=tenant)
    chosen_id = _int(request.GET.get("pipeline"))
    chosen = next((p for p in all_pipelines if p.pk == chosen_id), None) or next(
        (p for p in all_pipelines if p.is_default), all_pipelines[0] if all_pipelines else None
    )
    return render(
        request,
        "sales/pipeline_settings.html",
        {
            "form": form,
            "pipelines": all_pipelines,
            "pipeline": chosen,
            "stages": selectors.stages_of(tenant=tenant, pipeline=chosen) if chosen else [],
            "stage_form": StageForm(),
            "kinds": StageKind.choices,
        },
    )


@require_POST
@require_perm("settings.manage")
def pipeline_edit(request: TenantRequest, pipeline_id: int) -> HttpResponse:
    pipeline = selectors.access_pipeline(tenant=request.tenant, pipeline_id=pipeline_id)
    try:
        if request.POST.get("action") == "delete":
            services.pipeline_delete(tenant=request.tenant, pipeline=pipeline, actor=request.user)
            messages.success(request, _("Pipeline deleted."))
            return _settings_redirect()
        services.pipeline_update(
            tenant=request.tenant,
            pipeline=pipeline,
            actor=request.user,
            name=request.POST.get("name") or pipeline.name,
            is_default=bool(request.POST.get("is_default")) or None,
        )
        messages.success(request, _("Pipeline saved."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _settings_redirect(pipeline.pk)


@require_POST
@require_perm("settings.manage")
def stage_create(request: TenantRequest, pipeline_id: int) -> HttpResponse:
    pipeline = selectors.access_pipeline(tenant=request.tenant, pipeline_id=pipeline_id)
    data = {k: request.POST.get(k, "") for k in services.STAGE_FIELDS if k in request.POST}
    try:
        services.stage_create(tenant=request.tenant, pipeline=pipeline, actor=request.user, **data)
        messages.success(request, _("Stage added."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _settings_redirect(pipeline.pk)


@require_POST
@require_perm("settings.manage")
def stage_edit(request: TenantRequest, stage_id: int) -> HttpResponse:
    """Saves, deletes (action=delete) or moves (action=up/down) a stage."""
    tenant = request.tenant
    stage = selectors.access_stage(tenant=tenant, stage_id=stage_id)
    action = request.POST.get("action", "save")
    try:
        if action == "delete":
            services.stage_delete(tenant=tenant, stage=stage, actor=request.user)
            messages.success(request, _("Stage deleted."))
        elif action in ("up", "down"):
            ids = [s.pk for s in selectors.stages_of(tenant=tenant, pipeline=stage.pipeline)]
            index = ids.index(stage.pk)
            other = index - 1 if action == "up" else index + 1
            if 0 <= other < len(ids):
                ids[index], ids[other] = ids[other], ids[index]
                services.stage_reorder(
                    tenant=tenant, pipeline=stage.pipeline, stage_ids=ids, actor=request.user
                )
        else:
            data = {k: request.POST.get(k, "") for k in services.STAGE_FIELDS if k in request.POST}
            services.stage_update(tenant=tenant, stage=stage, actor=request.user, **data)
            messages.success(request, _("Stage saved."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _settings_redirect(stage.pipeline_id)
