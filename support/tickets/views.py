"""Ticket pages: the agent's queue (views, filters, bulk actions), a new inquiry, a ticket's
page (conversation, reply and note, side panel, history, edit), the "being answered by" lock,
and the categories and teams settings. Views parse, check access, call a service, render."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import Context, engines
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.core.customfields import (
    add_errors_to_form,
    definitions_for,
    display_rows,
    shown_definitions,
)
from crm.core.http import TenantRequest
from crm.core.models import Membership, ObjectType, User
from crm.core.permissions import require_perm
from crm.core.roles import has_perm
from support.sla.selectors import attach_timers

from . import selectors, services
from .forms import TicketEditForm, TicketNewForm, category_choices
from .lists import support_lists
from .models import Channel, MessageKind, Priority, Status, SupportTeam
from .panels import ticket_panels
from .presenters import QueueNames


def _int(value: Any) -> int | None:
    return int(value) if str(value or "").isdigit() else None


def _me(request: TenantRequest) -> User:
    return cast(User, request.user)


def _can_edit(request: TenantRequest) -> bool:
    return has_perm(request.membership.role, "support.edit")


def _back(request: TenantRequest, default: str) -> str:
    candidate = request.POST.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


# --- the queue ---------------------------------------------------------------------------------
@require_GET
@require_perm("support.view")
def queue(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    view = request.GET.get("view") or "open"
    if view not in selectors.VIEWS:
        view = "open"
    filters = selectors.queue_filters(params=request.GET)
    page = selectors.ticket_queue(
        tenant=tenant,
        membership=request.membership,
        view=view,
        filters=filters,
        after=_int(request.GET.get("after")),
        joins=("contact",),
    )
    # The filters' lists name the rows' assignees, teams and categories (not joined: see
    # selectors.ticket_queue); users who are not agents (any more) are looked up.
    lists = support_lists(tenant)
    names = QueueNames(
        users=dict(lists.agents),
        teams=dict(lists.teams),
        categories={row.pk: row.name for row in lists.categories},
    )
    names.users.update(
        selectors.user_names(
            ids={
                user_id
                for t in page.rows
                for user_id in (t.assignee_id, t.lock_holder_id)  # type: ignore[attr-defined]
                if user_id and user_id not in names.users
            }
        )
    )
    # The SLA timers (business-hours aware), a fixed number of queries per page; the rows
    # are printed by {% queue_rows %} (support.tickets.presenters).
    attach_timers(tenant=tenant, tickets=page.rows)
    counts = selectors.queue_counts(tenant=tenant, membership=request.membership)
    labels = selectors.view_labels()
    filter_query = filters.querystring()
    tabs = [
        {
            "key": key,
            "label": labels[key],
            "count": counts.get(key),
            "capped": counts.get(key, 0) >= selectors.COUNT_CAP,
            "query": f"view={key}" + (f"&{filter_query}" if filter_query else ""),
        }
        for key in selectors.VIEWS
    ]
    return render(
        request,
        "support/tickets/queue.html",
        {
            "view": view,
            "tabs": tabs,
            "tickets": page.rows,
            "next_after": page.next_after,
            "filters": filters,
            "filter_query": filter_query,
            "errors": filters.errors,
            "statuses": Status.choices,
            "priorities": Priority.choices,
            "channels": Channel.choices,
            "categories": category_choices(tenant, lists=lists)[1:],
            "teams": lists.teams,
            "agents": lists.agents,
            "names": names,
            "can_edit": _can_edit(request),
            "now": timezone.now(),
            "count_cap": selectors.COUNT_CAP,
        },
    )


@require_POST
@require_perm("support.edit")
def queue_bulk(request: TenantRequest) -> HttpResponse:
    """Bulk assign (a user or a team) or bulk status for the selected tickets. The page asks
    for confirmation first; a bad choice changes nothing and says what to fix."""
    tenant = request.tenant
    back = _back(request, reverse("support:queue"))
    ids = [int(v) for v in request.POST.getlist("tickets") if str(v).isdigit()]
    action = request.POST.get("action", "")
    fields: dict[str, Any] = {}
    try:
        if action == "assign":
            user_id = _int(request.POST.get("assignee"))
            if request.POST.get("assignee") == "me":
                user_id = request.user.pk
            if user_id is None:
                raise ValidationError({"assignee": [_("Choose whom to assign them to.")]})
            membership = (
                Membership.objects.filter(tenant=tenant, user_id=user_id, is_active=True)
                .select_related("user")
                .first()
            )
            if membership is None:
                raise ValidationError({"assignee": [_("Choose a member from the list.")]})
            fields["assignee"] = membership.user
        elif action == "team":
            team = SupportTeam.objects.filter(
                tenant=tenant, pk=_int(request.POST.get("team")) or 0
            ).first()
            if team is None:
                raise ValidationError({"team": [_("Choose a team from the list.")]})
            fields["team"] = team
        elif action == "status":
            fields["status"] = request.POST.get("status", "")
        else:
            raise ValidationError(_("Choose what to do with the selected inquiries."))
        changed = services.ticket_bulk_update(
            tenant=tenant, ticket_ids=ids, actor=request.user, **fields
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, _("%(count)s inquiries changed.") % {"count": changed})
    return redirect(back)


@require_POST
@require_perm("support.edit")
def ticket_assign_me(request: TenantRequest, ticket_id: int) -> HttpResponse:
    """The queue's "a" key: assign this ticket to me. JSON for the script, else back."""
    ticket = selectors.access_ticket(
        tenant=request.tenant, membership=request.membership, ticket_id=ticket_id
    )
    services.ticket_update(
        tenant=request.tenant, ticket=ticket, actor=request.user, assignee=request.user
    )
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"ticket": ticket.pk, "assignee": str(request.user)})
    messages.success(request, _("Inquiry #%(number)s is yours.") % {"number": ticket.number})
    return redirect(_back(request, reverse("support:queue")))


# --- a new inquiry -----------------------------------------------------------------------------
@require_perm("support.edit")
def ticket_new(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    form = TicketNewForm(request.POST or None, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            ticket = services.ticket_create(
                tenant=tenant,
                actor=request.user,
                subject=data.pop("subject"),
                body=data.pop("body"),
                channel=data.pop("channel"),
                contact=data.pop("contact"),
                requester_email=data.pop("requester_email") or "",
                requester_name=data.pop("requester_name") or "",
                **{k: v for k, v in data.items() if v is not None},
            )
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Inquiry #%(number)s opened.") % {"number": ticket.number})
            return redirect("support:ticket_detail", ticket_id=ticket.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "support/tickets/new.html", {"form": form}, status=status)


@require_GET
@require_perm("support.view")
def ticket_contact_options(request: TenantRequest) -> HttpResponse:
    """htmx: the contact select's options for what was typed."""
    from contacts.selectors import visible_contacts

    search = request.GET.get("contact_search", "").strip()
    options = ['<option value="">—</option>']
    if search:
        qs = visible_contacts(request.tenant, request.membership).filter(
            search_text__icontains=search
        )
        for contact in qs.order_by("last_name_kana", "id")[:30]:
            label = f"{contact} <{contact.email}>" if contact.email else str(contact)
            options.append(f'<option value="{contact.pk}">{escape(label)}</option>')
    return HttpResponse("".join(options))


# --- one ticket --------------------------------------------------------------------------------
def _detail_context(request: TenantRequest, ticket: Any, **extra: Any) -> dict[str, Any]:
    tenant = request.tenant
    detail = selectors.ticket_detail(tenant=tenant, membership=request.membership, ticket=ticket)
    definitions = shown_definitions(tenant=tenant, object_type=ObjectType.TICKET)
    holder = selectors.lock_holder(ticket)
    edit_form = extra.pop("edit_form", None) or TicketEditForm(
        tenant=tenant,
        instance=ticket,
        orders=detail["orders"]["latest_orders"],
        deals=detail["open_deals"],
        custom_field_definitions=definitions,
    )
    # The conversation is not `messages`: that name is the flash messages' (base.html shows
    # them as toasts), and the page showed every message of the conversation as a toast.
    conversation = detail.pop("messages")
    return {
        "ticket": ticket,
        **detail,
        "conversation": conversation,
        "holder": holder,
        "held_by_other": holder is not None and holder.pk != request.user.pk,
        "custom_field_rows": display_rows(definitions, ticket.custom_fields),
        "edit_form": edit_form,
        "panels": _rendered_panels(request, ticket),
        "can_edit": _can_edit(request),
        "reply_body": extra.pop("reply_body", ""),
        "reply_kind": extra.pop("reply_kind", MessageKind.REPLY),
        "reply_errors": extra.pop("reply_errors", []),
        **extra,
    }


def _processor_context(request: TenantRequest) -> dict[str, Any]:
    """What the context processors give a template for this request, worked out once. Each
    `render_to_string(..., request=request)` runs them all again (the shell's navigation is
    ~40 URL reversals and permission checks); the ticket page renders several panels."""
    updates: dict[str, Any] = {}
    for processor in engines["django"].engine.template_context_processors:  # type: ignore[attr-defined]
        updates.update(processor(request))
    return updates


def _rendered_panels(request: TenantRequest, ticket: Any) -> dict[str, list[dict[str, Any]]]:
    """The registered panels per place, each rendered with its own context at the top level
    (as the panel templates of the other parts expect) plus the ticket and the request, and
    what the context processors give every template (computed once for all panels)."""
    panels = ticket_panels(tenant=request.tenant, membership=request.membership, ticket=ticket)
    shared: dict[str, Any] | None = None
    rendered: dict[str, list[dict[str, Any]]] = {}
    for place, entries in panels.items():
        rendered[place] = []
        for panel in entries:
            if shared is None:
                shared = _processor_context(request)
            template = get_template(panel["template"]).template  # type: ignore[attr-defined]
            context = Context({**shared, "ticket": ticket, **panel})
            rendered[place].append({"key": panel["key"], "html": template.render(context)})
    return rendered


@require_GET
@require_perm("support.view")
def ticket_detail(request: TenantRequest, ticket_id: int) -> HttpResponse:
    """Opening the ticket takes the lock when it is free (an agent who can answer)."""
    ticket = selectors.access_ticket(
        tenant=request.tenant, membership=request.membership, ticket_id=ticket_id
    )
    if _can_edit(request):
        me = _me(request)
        state = services.ticket_lock_take(tenant=request.tenant, ticket=ticket, user=me)
        if state.held:
            ticket.locked_by = me
    return render(request, "support/tickets/detail.html", _detail_context(request, ticket))


@require_POST
@require_perm("support.edit")
def ticket_reply(request: TenantRequest, ticket_id: int) -> HttpResponse:
    """A reply, an internal note or a logged customer message; "send and set pending" sets
    the status in the same transaction. An empty body: the page again, nothing saved."""
    tenant = request.tenant
    ticket = selectors.access_ticket(
        tenant=tenant, membership=request.membership, ticket_id=ticket_id
    )
    kind = request.POST.get("kind", MessageKind.REPLY)
    body = request.POST.get("body", "")
    mention_ids = [int(v) for v in request.POST.get("mentions", "").split(",") if v.isdigit()]
    set_status = Status.PENDING if request.POST.get("then") == "pending" else ""
    try:
        message = services.ticket_message_post(
            tenant=tenant,
            ticket=ticket,
            actor=request.user,
            kind=kind,
            body=body,
            mention_ids=mention_ids,
            set_status=set_status,
        )
    except ValidationError as exc:
        ticket.refresh_from_db()
        context = _detail_context(
            request, ticket, reply_body=body, reply_kind=kind, reply_errors=exc.messages
        )
        return render(request, "support/tickets/detail.html", context, status=400)
    if kind == MessageKind.NOTE:
        messages.success(request, _("Note saved."))
    elif set_status:
        messages.success(request, _("Reply sent; the inquiry waits for the customer."))
    else:
        messages.success(request, _("Reply sent."))
    url = reverse("support:ticket_detail", kwargs={"ticket_id": ticket.pk})
    return redirect(f"{url}#m{message.pk}")


@require_POST
@require_perm("support.edit")
def ticket_edit(request: TenantRequest, ticket_id: int) -> HttpResponse:
    tenant = request.tenant
    ticket = selectors.access_ticket(
        tenant=tenant, membership=request.membership, ticket_id=ticket_id
    )
    detail = selectors.ticket_detail(tenant=tenant, membership=request.membership, ticket=ticket)
    form = TicketEditForm(
        request.POST,
        tenant=tenant,
        instance=ticket,
        orders=detail["orders"]["latest_orders"],
        deals=detail["open_deals"],
        custom_field_definitions=definitions_for(tenant=tenant, object_type=ObjectType.TICKET),
    )
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in services.UPDATABLE}
        try:
            services.ticket_update(tenant=tenant, ticket=ticket, actor=request.user, **data)
        except ValidationError as exc:
            add_errors_to_form(form, exc)
        else:
            messages.success(request, _("Inquiry saved."))
            return redirect("support:ticket_detail", ticket_id=ticket.pk)
    ticket.refresh_from_db()
    context = _detail_context(request, ticket, edit_form=form, edit_open=True)
    return render(request, "support/tickets/detail.html", context, status=400)


@require_POST
@require_perm("support.edit")
def ticket_lock(request: TenantRequest, ticket_id: int) -> HttpResponse:
    """The page's heartbeat (every 60 s), "take over" (action=take) and leaving the page
    (action=release, sent with navigator.sendBeacon)."""
    ticket = selectors.access_ticket(
        tenant=request.tenant, membership=request.membership, ticket_id=ticket_id
    )
    action = request.POST.get("action", "beat")
    if action == "release":
        services.ticket_lock_release(tenant=request.tenant, ticket=ticket, user=request.user)
        return JsonResponse({"held": False})
    state = services.ticket_lock_take(
        tenant=request.tenant, ticket=ticket, user=request.user, force=action == "take"
    )
    holder = "" if state.holder_id is None else str(User.objects.get(pk=state.holder_id))
    if action == "take" and not request.headers.get("Accept", "").startswith("application/json"):
        messages.success(request, _("You are answering this inquiry now."))
        return redirect("support:ticket_detail", ticket_id=ticket.pk)
    return JsonResponse({"held": state.held, "holder": holder})


@require_GET
@require_perm("support.view")
def mention_options(request: TenantRequest) -> HttpResponse:
    """The @mention autocomplete: members whose name or e-mail starts with what was typed."""
    typed = request.GET.get("q", "").strip().lower()
    found = []
    for membership in selectors.members(tenant=request.tenant):
        user = membership.user
        name = (user.display_name or user.email.split("@")[0]).replace(" ", "")
        if not typed or name.lower().startswith(typed) or user.email.lower().startswith(typed):
            found.append({"id": user.pk, "name": name, "email": user.email})
        if len(found) >= 10:
            break
    return JsonResponse({"results": found})


# --- categories and teams ----------------------------------------------------------------------
def _settings_redirect() -> HttpResponse:
    return redirect("support:category_settings")


@require_perm("settings.manage")
def category_settings(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    if request.method == "POST":
        parent_id = _int(request.POST.get("parent"))
        try:
            parent = (
                selectors.access_category(tenant=tenant, category_id=parent_id)
                if parent_id
                else None
            )
            services.category_create(
                tenant=tenant,
                name_ja=request.POST.get("name_ja", ""),
                name_en=request.POST.get("name_en", ""),
                parent=parent,
                actor=request.user,
            )
            messages.success(request, _("Category added."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return _settings_redirect()
    members = selectors.members(tenant=tenant)
    return render(
        request,
        "support/tickets/category_settings.html",
        {
            "categories": selectors.categories(tenant=tenant),
            "teams": selectors.teams(tenant=tenant),
            "members": members,
        },
    )


@require_POST
@require_perm("settings.manage")
def category_edit(request: TenantRequest, category_id: int) -> HttpResponse:
    """Save (rename, move under a parent), up/down, deactivate/activate or delete."""
    tenant = request.tenant
    category = selectors.access_category(tenant=tenant, category_id=category_id)
    action = request.POST.get("action", "save")
    try:
        if action in ("up", "down"):
            services.category_move(tenant=tenant, category=category, direction=action)
        elif action == "delete":
            services.category_delete(tenant=tenant, category=category, actor=request.user)
            messages.success(request, _("Category deleted."))
        elif action in ("deactivate", "activate"):
            services.category_update(
                tenant=tenant, category=category, is_active=action == "activate"
            )
            messages.success(request, _("Category saved."))
        else:
            parent_id = _int(request.POST.get("parent"))
            parent = (
                selectors.access_category(tenant=tenant, category_id=parent_id)
                if parent_id
                else None
            )
            services.category_update(
                tenant=tenant,
                category=category,
                name_ja=request.POST.get("name_ja", category.name_ja),
                name_en=request.POST.get("name_en", category.name_en),
                parent=parent,
            )
            messages.success(request, _("Category saved."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _settings_redirect()


@require_POST
@require_perm("settings.manage")
def team_create(request: TenantRequest) -> HttpResponse:
    try:
        services.team_create(
            tenant=request.tenant,
            name=request.POST.get("name", ""),
            email=request.POST.get("email", ""),
            actor=request.user,
        )
        messages.success(request, _("Team added."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _settings_redirect()


@require_POST
@require_perm("settings.manage")
def team_edit(request: TenantRequest, team_id: int) -> HttpResponse:
    """Save, delete, add a member (user) or remove one (remove=<user id>)."""
    tenant = request.tenant
    team = selectors.access_team(tenant=tenant, team_id=team_id)
    action = request.POST.get("action", "save")
    try:
        if action == "delete":
            services.team_delete(tenant=tenant, team=team, actor=request.user)
            messages.success(request, _("Team deleted."))
        elif action == "add":
            user_id = _int(request.POST.get("user"))
            membership = (
                Membership.objects.filter(tenant=tenant, user_id=user_id or 0, is_active=True)
                .select_related("user")
                .first()
            )
            if membership is None:
                raise ValidationError(_("Choose a member to add."))
            services.team_member_add(tenant=tenant, team=team, user=membership.user)
            messages.success(request, _("Member added."))
        elif action == "remove":
            services.team_member_remove(
                tenant=tenant, team=team, user_id=_int(request.POST.get("user")) or 0
            )
            messages.success(request, _("Member removed."))
        else:
            services.team_update(
                tenant=tenant,
                team=team,
                name=request.POST.get("name", ""),
                email=request.POST.get("email", ""),
                actor=request.user,
            )
            messages.success(request, _("Team saved."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _settings_redirect()
