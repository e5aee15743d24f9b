"""Sales tables, one module per concern (imported here so Django finds them)."""

from .catalog.models import DealLine, Product, Supplier, TaxRate  # noqa: F401
from .deals.models import Deal, DealContact, DealStageChange, Pipeline, Stage, StageKind  # noqa: F401
