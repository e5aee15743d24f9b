from ..dashboards.models import Dashboard
from .accounts import Invitation, LoginEvent
from .apikeys import ApiKey
from .audit import AuditLog
from .customfields import CustomFieldDefinition, FieldType, HasCustomFields, ObjectType
from .notifications import Notification
from .tenancy import AllTenantsManager, Membership, Tenant, TenantManager, TenantOwned
from .users import User

__all__ = [
    "AllTenantsManager",
    "ApiKey",
    "AuditLog",
    "CustomFieldDefinition",
    "Dashboard",
    "FieldType",
    "HasCustomFields",
    "Invitation",
    "LoginEvent",
    "Membership",
    "Notification",
    "ObjectType",
    "Tenant",
    "TenantManager",
    "TenantOwned",
    "User",
]
