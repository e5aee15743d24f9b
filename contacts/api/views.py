from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import viewsets

from crm.core.http import TenantAPIMixin

from .. import selectors, services
from ..models import Contact
from .serializers import ContactSerializer


class ContactViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    serializer_class = ContactSerializer
    perm_view = "contacts.view"
    perm_edit = "contacts.edit"
    required_perms = {"destroy": "contacts.delete"}

    def get_queryset(self) -> QuerySet[Contact]:
        return selectors.contact_list(
            tenant=self.tenant,
            q=self.request.query_params.get("q", ""),
        )

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.contact_create(
            tenant=self.tenant,
            actor=self.request.user,
            **serializer.validated_data,
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.contact_update(
            tenant=self.tenant,
            contact=serializer.instance,
            actor=self.request.user,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance: Contact) -> None:
        services.contact_delete(
            tenant=self.tenant,
            contact=instance,
            actor=self.request.user,
        )
