"""API routes under /api/v1/ (included from sales/api_urls.py)."""

from rest_framework.routers import SimpleRouter

from .api import OrderViewSet, ProductViewSet, StockMovementViewSet, SupplierViewSet

router = SimpleRouter()
router.register("suppliers", SupplierViewSet, basename="supplier")
router.register("products", ProductViewSet, basename="product")
router.register("stock-movements", StockMovementViewSet, basename="stock-movement")
router.register("orders", OrderViewSet, basename="order")
urlpatterns = router.urls
