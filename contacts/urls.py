from django.urls import include, path

from . import views, views_companies

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("new/", views.contact_create, name="create"),
    path("import/", include("contacts.importers.urls")),
    path("exports/", include("contacts.exports.urls")),
    path("views/", include("contacts.savedviews.urls")),
    path("bulk/", views.contact_bulk, name="bulk"),
    path("deleted/", views.deleted_list, name="deleted"),
    path("duplicates/", include("contacts.dedupe.urls")),
    path("postal-code/", views.postal_lookup, name="postal_lookup"),
    path("company-options/", views.company_options_view, name="company_options"),
    path("<int:contact_id>/", views.contact_detail, name="detail"),
    path("<int:contact_id>/edit/", views.contact_edit, name="edit"),
    path("<int:contact_id>/delete/", views.contact_delete, name="delete"),
    path("<int:contact_id>/restore/", views.contact_restore, name="restore"),
    path("<int:contact_id>/notes/", views.contact_note, name="note"),
    path("<int:contact_id>/calls/", views.contact_call, name="call"),
    path("companies/", views_companies.company_list, name="company_list"),
    path("companies/new/", views_companies.company_create, name="company_create"),
    path("companies/<int:company_id>/", views_companies.company_detail, name="company_detail"),
    path("companies/<int:company_id>/edit/", views_companies.company_edit, name="company_edit"),
    path(
        "companies/<int:company_id>/delete/", views_companies.company_delete, name="company_delete"
    ),
    path(
        "companies/<int:company_id>/restore/",
        views_companies.company_restore,
        name="company_restore",
    ),
]
