"""Support tables, one module per concern (imported here so Django finds them)."""

from .tickets.models import (  # noqa: F401
    Channel,
    MessageKind,
    Priority,
    Status,
    SupportTeam,
    SupportTeamMember,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketEvent,
    TicketMessage,
    TicketNumberCounter,
)

# Each part of support adds its models below (one import line per module).
from .webforms.models import FormField, FormSubmission, InquiryForm  # noqa: F401, E402
from .csat.models import CsatRequest  # noqa: F401,E402
from .kb.models import Article, ArticleCategory, ArticleStatus, Deflection  # noqa: F401,E402
from .sla import models as sla_models  # noqa: F401,E402
from .mail.models import MailSettings, OutboundMail, OutboundStatus  # noqa: E402, F401
from .replies.models import ReplyTemplate, SimilarTokenStat, TemplateScope, TicketTokens  # noqa: E402, F401
