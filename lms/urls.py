from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from lms.scorm.registry import all_providers

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    *[path(f"scorm/{p.identifier}/", include(p.get_urls())) for p in all_providers()],
]
