from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from lms.scorm.exceptions import ProviderError

from .forms import DispatchCreateForm
from .models import Dispatch
from .services import dispatch_create


@admin.register(Dispatch)
class DispatchAdmin(admin.ModelAdmin):
    """Dispatches per package. Adding one creates it on AllureConnect first; the record is then
    read-only (the API documents no update or revocation; revoke in AllureConnect's dashboard)."""

    list_display = ("label", "destination", "package", "status", "expires_at", "created_at")
    list_filter = ("package__course", "status")
    list_select_related = ("package__course",)
    search_fields = ("label", "destination", "remote_id", "package__course__title")
    fields = readonly_fields = (
        "package",
        "label",
        "destination",
        "copyable_url",
        "status",
        "registration_limit",
        "expires_at",
        "allowed_domains",
        "remote_id",
        "created_by",
        "created_at",
    )

    @admin.display(description="Dispatch URL")
    def copyable_url(self, obj: Dispatch) -> str:
        return format_html(
            '<input type="text" value="{}" readonly size="80" aria-label="Dispatch URL" onfocus="this.select()">',
            obj.dispatch_url,
        )

    def has_change_permission(self, request: HttpRequest, obj: Dispatch | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Dispatch | None = None) -> bool:
        return False  # deleting the row would not revoke the live URL

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = DispatchCreateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                dispatch = dispatch_create(**form.cleaned_data, created_by=request.user)
            except ValidationError as err:
                form.add_error(None, err)
            except ProviderError as err:
                form.add_error(None, f"AllureConnect did not create the dispatch: {err}")
            else:
                self.log_addition(request, dispatch, [{"added": {}}])
                self.message_user(
                    request, f"Dispatch “{dispatch}” created on AllureConnect.", messages.SUCCESS
                )
                return redirect(reverse("admin:allure_connect_dispatch_change", args=[dispatch.pk]))
        context = {
            **self.admin_site.each_context(request),
            **(extra_context or {}),
            "title": "Create an AllureConnect dispatch",
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/allure_connect/dispatch/add_form.html", context)
