from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core.views import healthz, readyz
from enrollments.views import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    # Probes for load balancers (no trailing slash, no redirect: core/views.py).
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("learn/", include("enrollments.urls")),
    path("gradebook/", include("gradebook.urls")),
    # Everything that arrives from outside: the local player, provider notifications.
    path("", include("playback.urls")),
]
