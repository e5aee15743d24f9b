from rest_framework.routers import SimpleRouter

router = SimpleRouter()
# Each area registers its viewsets here, one line each.
urlpatterns = router.urls
