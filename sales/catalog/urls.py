"""Pages under /sales/ (included from sales/urls.py, namespace "sales")."""

from django.urls import path

from . import views

urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("products/low-stock/", views.product_low_stock, name="product_low_stock"),
    path("products/search/", views.product_search, name="product_search"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:product_id>/", views.product_detail, name="product_detail"),
    path("products/<int:product_id>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:product_id>/stock/", views.product_stock, name="product_stock"),
    path("products/<int:product_id>/delete/", views.product_delete, name="product_delete"),
    path("suppliers/", views.supplier_list, name="supplier_list"),
    path("suppliers/new/", views.supplier_create, name="supplier_create"),
    path("suppliers/<int:supplier_id>/edit/", views.supplier_edit, name="supplier_edit"),
    path("suppliers/<int:supplier_id>/delete/", views.supplier_delete, name="supplier_delete"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/new/", views.order_create, name="order_create"),
    path("deals/<int:deal_id>/lines/", views.deal_lines, name="deal_lines"),
    path("orders/import/", views.order_import, name="order_import"),
    path("orders/import/<int:job_id>/", views.order_import_mapping, name="order_import_mapping"),
    path(
        "orders/import/<int:job_id>/status/", views.order_import_status, name="order_import_status"
    ),
    path("orders/<int:order_id>/", views.order_detail, name="order_detail"),
    path("orders/<int:order_id>/status/", views.order_status, name="order_status"),
    path("settings/sales/", views.sales_settings, name="sales_settings"),
]
