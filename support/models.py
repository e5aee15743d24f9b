"""Support tables, one module per concern (imported here so Django finds them)."""

from .csat.models import CsatRequest  # noqa: F401
from .kb.models import Article, ArticleCategory, ArticleStatus, Deflection  # noqa: F401
from .mail.models import MailSettings, OutboundMail, OutboundStatus  # noqa: F401
from .replies.models import (  # noqa: F401
    ReplyTemplate,
    SimilarTokenStat,
    TemplateScope,
    TicketTokens,
)
from .sla import models as sla_models  # noqa: F401
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
from .webforms.models import FormField, FormSubmission, InquiryForm  # noqa: F401
