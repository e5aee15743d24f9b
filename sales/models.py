"""Sales tables, one module per concern (imported here so Django finds them)."""

from .activities.models import Activity, ActivityAttendee, ActivityKind  # noqa: F401
from .catalog.models import (  # noqa: F401
    DealLine,
    MovementKind,
    Order,
    OrderChannel,
    OrderImportJob,
    OrderLine,
    OrderNumberCounter,
    OrderStatus,
    Product,
    SalesSettings,
    StockMovement,
    Supplier,
    TaxRate,
)
from .deals.models import (  # noqa: F401
    Deal,
    DealContact,
    DealStageChange,
    Pipeline,
    Stage,
    StageKind,
    StageTotals,
)
from .forecast.models import SalesTarget  # noqa: F401
from .reports.models import DailyReport, DailyReportComment, DailyReportRead, ReportSettings  # noqa: F401
