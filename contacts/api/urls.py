from rest_framework.routers import SimpleRouter

from contacts.dedupe.api import ContactDedupeViewSet
from contacts.exports import api_urls as export_api_urls
from contacts.importers.api import ImportViewSet
from contacts.savedviews import api_urls as savedview_api_urls

from .views import CompanyViewSet, ContactViewSet

router = SimpleRouter()
router.register("contacts/imports", ImportViewSet, basename="contact-import")  # before contacts
router.register("contacts", ContactDedupeViewSet, basename="contact-dedupe")  # before contacts
router.register("contacts", ContactViewSet, basename="contact")
router.register("companies", CompanyViewSet, basename="company")
# Export and saved-view routes come first: their paths sit under contacts/.
urlpatterns = [*export_api_urls.urlpatterns, *savedview_api_urls.urlpatterns, *router.urls]
