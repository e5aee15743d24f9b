# The admin settings area: /settings/...  (namespace "settings")
urlpatterns: list = []
