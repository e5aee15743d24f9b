"""Reply templates (回答テンプレート) and the token sets behind "similar inquiries".

A template's body is plain text with merge fields (`{{ contact.last_name }}`) that our own
renderer fills from an allow-list (support.replies.merge); no template engine ever sees it.

`TicketTokens` keeps each ticket's subject+body as a set of tokens (CJK bigrams, Latin
words) in a text[] with a GIN index, so past tickets sharing tokens are found with `&&`.
`SimilarTokenStat` counts, per tenant, in how many resolved/closed tickets a token occurs
(the document frequency): the search starts from the rarest tokens and weighs by them.
The row with the empty token holds the number of resolved/closed tickets indexed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.core.models import TenantOwned


class TemplateScope(models.TextChoices):
    SHARED = "shared", _("Shared")
    PERSONAL = "personal", _("Personal")


class ReplyTemplate(TenantOwned):
    name = models.CharField(_("name"), max_length=200)
    body = models.TextField(_("text"))
    scope = models.CharField(
        _("visible to"), max_length=8, choices=TemplateScope.choices, default=TemplateScope.SHARED
    )
    # The owner of a personal template (the only one who sees it); NULL for shared ones.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        "support.TicketCategory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("category"),
    )
    shortcut = models.CharField(_("shortcut"), max_length=40, blank=True)
    usage_count = models.PositiveIntegerField(_("times used"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope="shared", owner__isnull=True))
                | Q(scope="personal", owner__isnull=False),
                name="replytemplate_owner_iff_personal",
            ),
            # A shortcut names one template among those a person sees: one shared, one per
            # owner among personal ones (a personal one may shadow a shared one).
            models.UniqueConstraint(
                fields=["tenant", "shortcut"],
                condition=Q(scope="shared") & ~Q(shortcut=""),
                name="replytemplate_shared_shortcut",
            ),
            models.UniqueConstraint(
                fields=["tenant", "owner", "shortcut"],
                condition=Q(scope="personal") & ~Q(shortcut=""),
                name="replytemplate_personal_shortcut",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "scope", "owner", "-id"], name="replytemplate_list"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_personal(self) -> bool:
        return self.scope == TemplateScope.PERSONAL


class TicketTokens(TenantOwned):
    ticket = models.OneToOneField(
        "support.Ticket", on_delete=models.CASCADE, related_name="similar_tokens"
    )
    tokens = ArrayField(models.TextField(), default=list)
    # Resolved or closed: only those are offered as similar (and counted in the stats).
    is_done = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "ticket"], name="tickettokens_one_per_ticket")
        ]
        indexes = [
            GinIndex(fields=["tokens"], name="tickettokens_done_gin", condition=Q(is_done=True)),
        ]


class SimilarTokenStat(TenantOwned):
    token = models.TextField()
    df = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "token"], name="similartokenstat_unique")
        ]
