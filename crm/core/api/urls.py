from rest_framework.routers import SimpleRouter

from . import customfields

router = SimpleRouter()
# Each area registers its viewsets here, one line each.
router.register("custom-fields", customfields.CustomFieldDefinitionViewSet, basename="customfield")
urlpatterns = router.urls
