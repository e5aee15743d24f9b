# Pages of the core outside the settings area (invitation acceptance, ...).
urlpatterns: list = []
