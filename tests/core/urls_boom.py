from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from crm.core.permissions import require_perm


@require_perm("app.use")
def boom(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:  # the tenant is set on the connection now
        cursor.execute("SELECT count(*) FROM contacts_contact")
        assert cursor.fetchone()[0] == 1
    raise RuntimeError("boom")


urlpatterns = [path("boom/", boom)]
