from .accounts import Invitation, LoginEvent
from .apikeys import ApiKey
from .audit import AuditLog
from .customfields import CustomFieldDefinition, FieldType, HasCustomFields, ObjectType
from .tenancy import AllTenantsManager, Membership, Tenant, TenantManager, TenantOwned
from .users import User

__all__ = [
    "AllTenantsManager",
    "ApiKey",
    "AuditLog",
    "CustomFieldDefinition",
    "FieldType",
    "HasCustomFields",
    "Invitation",
    "LoginEvent",
    "Membership",
    "ObjectType",
    "Tenant",
    "TenantManager",
    "TenantOwned",
    "User",
]
