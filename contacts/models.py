"""Companies, contacts and their timeline (schema contract: docs/contacts.md).

Values are stored normalized (E.164 phones, NNN-NNNN postal codes, full-width katakana,
normalized e-mail): the services normalize on every way in, and the import SQL writes the
same shapes. `search_text` and `email_key` are derived columns the writers maintain.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.core.models import HasCustomFields, TenantOwned

from .validators import validate_corporate_number


def _tags_field() -> ArrayField:
    return ArrayField(
        models.CharField(max_length=50), default=list, blank=True, verbose_name=_("tags")
    )


class CompanySize(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    S1_9 = "1-9", _("1–9 employees")
    S10_49 = "10-49", _("10–49 employees")
    S50_249 = "50-249", _("50–249 employees")
    S250_999 = "250-999", _("250–999 employees")
    S1000 = "1000+", _("1,000 or more employees")


class Gender(models.TextChoices):
    UNKNOWN = "", _("Not specified")
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")


class LifecycleStage(models.TextChoices):
    LEAD = "lead", _("Lead")
    PROSPECT = "prospect", _("Prospect")
    CUSTOMER = "customer", _("Customer")
    CHURNED = "churned", _("Churned")


class Company(TenantOwned, HasCustomFields):
    name = models.CharField(_("company name"), max_length=200)
    name_kana = models.CharField(_("company name (kana)"), max_length=200, blank=True)
    corporate_number = models.CharField(
        _("corporate number"),
        max_length=13,
        blank=True,
        validators=[validate_corporate_number],
        help_text=_("The 13-digit number from the National Tax Agency (法人番号)."),
    )
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    size = models.CharField(
        _("size"), max_length=10, choices=CompanySize.choices, blank=True, default=""
    )
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    prefecture = models.CharField(_("prefecture"), max_length=10, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    website = models.URLField(_("website"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    tags = _tags_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "-id"], name="company_tenant_id_desc"),
            HasCustomFields.custom_fields_index("company_custom_fields_gin"),
            GinIndex(fields=["tags"], name="company_tags_gin"),
        ]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name


class Contact(TenantOwned, HasCustomFields):
    # A contact may be known only by an e-mail or a phone number, so no name is required.
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name_kana = models.CharField(_("last name (kana)"), max_length=100, blank=True)
    first_name_kana = models.CharField(_("first name (kana)"), max_length=100, blank=True)
    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        verbose_name=_("company"),
    )
    department = models.CharField(_("department"), max_length=100, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    email_key = models.CharField(max_length=254, blank=True, default="", editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    prefecture = models.CharField(_("prefecture"), max_length=10, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, blank=True, default=""
    )
    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=16,
        choices=LifecycleStage.choices,
        default=LifecycleStage.LEAD,
    )
    source = models.CharField(_("source"), max_length=50, blank=True)
    customer_code = models.CharField(_("customer code"), max_length=50, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    tags = _tags_field()
    do_not_email = models.BooleanField(_("do not e-mail"), default=False)
    do_not_call = models.BooleanField(_("do not call"), default=False)
    do_not_mail = models.BooleanField(_("do not send mail (DM)"), default=False)
    # The newest timeline entry's time (kept by services.timeline_add and the bulk stage
    # change; back-filled by migration 0009): the advanced search's "last activity" range.
    last_activity_at = models.DateTimeField(
        _("last activity"), null=True, blank=True, editable=False
    )
    search_text = models.TextField(default="", blank=True, editable=False)
    # n-grams of search_text, written by a database trigger (contacts/search/sql.py)
    search_vector = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Set when a merge folded this contact into another (it is soft-deleted then): dedupe.
    # No DB constraint: a restored merged contact must not block purging the survivor.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["tenant", "-id"],
                name="contact_tenant_id_desc",
                condition=Q(deleted_at__isnull=True),
            ),
            models.Index(fields=["tenant", "email_key"], name="contact_tenant_email_key"),
            models.Index(fields=["tenant", "phone"], name="contact_tenant_phone"),
            models.Index(fields=["tenant", "customer_code"], name="contact_tenant_customer_code"),
            models.Index(
                fields=["tenant", "last_activity_at"],
                name="contact_tenant_last_activity",
                condition=Q(deleted_at__isnull=True),
            ),
            HasCustomFields.custom_fields_index("contact_custom_fields_gin"),
            GinIndex(fields=["tags"], name="contact_tags_gin"),
            GinIndex(fields=["search_vector"], name="contact_search_vector_gin"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "customer_code"],
                condition=~Q(customer_code=""),
                name="contact_unique_customer_code",
                violation_error_message=_("Another contact already has this customer code."),
            )
        ]
        verbose_name = _("contact")

    def __str__(self) -> str:
        name = f"{self.last_name} {self.first_name}".strip()
        return name or self.email or self.phone or f"#{self.pk}"


class InteractionKind(models.TextChoices):
    NOTE = "note", _("Note")
    CALL = "call", _("Call")
    MEETING = "meeting", _("Meeting")
    EMAIL = "email", _("E-mail")
    TASK = "task", _("Task")
    DEAL = "deal", _("Deal")
    TICKET = "ticket", _("Ticket")
    PURCHASE = "purchase", _("Purchase")
    FIELD_CHANGE = "field_change", _("Field change")
    IMPORT = "import", _("Import")


class Interaction(TenantOwned):
    """One entry on a contact's and/or company's timeline. Other apps write these only
    through contacts.services.timeline_add()."""

    # Purging a contact purges its history; a purged company leaves its contacts' entries.
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="interactions"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="interactions"
    )
    kind = models.CharField(_("type"), max_length=16, choices=InteractionKind.choices)
    occurred_at = models.DateTimeField(_("when"))
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("details"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ref_type = models.CharField(max_length=50, blank=True)
    ref_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["tenant", "contact", "-occurred_at", "-id"],
                name="interaction_contact_time",
            ),
            models.Index(
                fields=["tenant", "company", "-occurred_at", "-id"],
                name="interaction_company_time",
            ),
        ]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"


from .cti.models import CtiCall, CtiEvent, CtiExtension, CtiSettings  # noqa: E402, F401  (CTI tables)
from .dedupe.models import DuplicateDismissal  # noqa: E402, F401  (dedupe table)
from .exports.models import *  # noqa: E402, F401, F403  (export tables)
from .importers.models import ImportChange, ImportJob  # noqa: E402, F401  (import tables)
from .savedviews.models import *  # noqa: E402, F401, F403  (saved views)
