from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from lms.scorm.registry import all_providers

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("learn/", include("enrollments.urls")),
    path("gradebook/", include("gradebook.urls")),
    # Each provider mounts its own routes (players, postback and webhook receivers).
    *[
        path(f"scorm/{p.identifier}/", include((p.get_urls(), p.identifier)))
        for p in all_providers()
    ],
]
