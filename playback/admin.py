from __future__ import annotations

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from enrollments.admin import AttemptAdmin
from enrollments.models import Attempt
from providers import ProviderError

from .forms import DispatchCreateForm
from .models import ActivityState, Dispatch
from .services import dispatch_create


@admin.register(Dispatch)
class DispatchAdmin(admin.ModelAdmin):
    """Dispatches per package. Adding one creates it on the package's provider first; the record
    is then read-only (AllureConnect documents no update or revocation: revoke it there)."""

    list_display = ("label", "destination", "package", "provider", "status", "created_at")
    list_filter = ("provider", "package__course", "status")
    list_select_related = ("package__course",)
    search_fields = ("label", "destination", "remote_id", "package__course__title")
    fields = readonly_fields = (
        "package",
        "provider",
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
                dispatch = dispatch_create(
                    package=form.cleaned_data["package"],
                    request=form.dispatch_request(),
                    created_by=request.user,
                )
            except ValidationError as err:
                form.add_error(None, err)
            except ProviderError as err:
                form.add_error(None, f"The provider did not create the dispatch: {err}")
            else:
                self.log_addition(request, dispatch, [{"added": {}}])
                self.message_user(request, f"Dispatch “{dispatch}” created.", messages.SUCCESS)
                return redirect(reverse("admin:playback_dispatch_change", args=[dispatch.pk]))
        context = {
            **self.admin_site.each_context(request),
            **(extra_context or {}),
            "title": "Create a dispatch",
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/playback/dispatch/add_form.html", context)


class ActivityStateInline(admin.StackedInline):
    """What the local player stored for each activity of the attempt."""

    model = ActivityState
    fields = ("activity", "seconds_before", "seconds_session", "updated_at", "cmi_pretty")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "activity's run-time data (local player)"
    verbose_name_plural = "run-time data by activity (local player)"

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="CMI data")
    def cmi_pretty(self, obj: ActivityState) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.data, indent=2, sort_keys=True))


# The attempt's admin lives with the attempts (enrollments); playback adds what it stores.
admin.site.unregister(Attempt)


@admin.register(Attempt)
class AttemptWithRuntimeAdmin(AttemptAdmin):
    inlines = [*AttemptAdmin.inlines, ActivityStateInline]
