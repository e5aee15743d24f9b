from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.core.models import HasCustomFields, TenantOwned


class Contact(TenantOwned, HasCustomFields):
    """Minimal contact (the contacts issue builds it out): enough to prove custom fields,
    audit and tenancy end to end."""

    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name_kana = models.CharField(_("last name (kana)"), max_length=100, blank=True)
    first_name_kana = models.CharField(_("first name (kana)"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "-id"], name="contact_tenant_id_desc"),
            HasCustomFields.custom_fields_index("contact_custom_fields_gin"),
        ]
        verbose_name = _("contact")

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name}".strip()
