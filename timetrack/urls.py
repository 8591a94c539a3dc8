app_name = "timetrack"
urlpatterns: list = []
