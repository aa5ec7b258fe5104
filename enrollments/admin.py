from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from core.formatting import format_percent, format_seconds

from .models import Attempt, Enrollment, Learner


@admin.register(Learner)
class LearnerAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "external_id", "created_at")
    search_fields = (
        "user__username",
        "user__first_name",
        "user__last_name",
        "user__email",
        "external_id",
    )
    readonly_fields = ("external_id", "created_at")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = (
        "number",
        "provider",
        "completion",
        "success",
        "score_scaled",
        "seconds_tracked",
        "last_accessed_at",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("learner", "course", "created_at", "enrolled_by")
    list_filter = ("course",)
    search_fields = ("learner__user__username", "learner__user__last_name", "course__title")
    list_select_related = ("learner__user", "course", "enrolled_by")
    autocomplete_fields = ("learner", "course")
    readonly_fields = ("enrolled_by", "created_at")
    inlines = [AttemptInline]

    def save_model(self, request, obj: Enrollment, form, change: bool) -> None:
        if not change:
            obj.enrolled_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "learner",
        "course",
        "number",
        "provider",
        "completion",
        "success",
        "score_display",
        "time_display",
        "last_accessed_at",
    )
    list_filter = ("provider", "completion", "success", "is_open", "enrollment__course")
    search_fields = ("id", "enrollment__learner__user__username", "enrollment__course__title")
    list_select_related = ("enrollment__learner__user", "enrollment__course")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Attempt._meta.fields] + [
        "score_display",
        "result_pretty",
    ]
    exclude = ("provider_result",)

    def has_add_permission(self, request) -> bool:
        return False  # attempts begin with a learner's Play

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="Learner", ordering="enrollment__learner__user__username")
    def learner(self, obj: Attempt) -> str:
        return str(obj.enrollment.learner)

    @admin.display(description="Course", ordering="enrollment__course__title")
    def course(self, obj: Attempt) -> str:
        return str(obj.enrollment.course)

    @admin.display(description="Score", ordering="score_scaled")
    def score_display(self, obj: Attempt) -> str:
        return format_percent(obj.score_scaled, sign=True) or "—"

    @admin.display(description="Time spent", ordering="seconds_tracked")
    def time_display(self, obj: Attempt) -> str:
        return format_seconds(obj.seconds_tracked)

    @admin.display(description="Provider's last result")
    def result_pretty(self, obj: Attempt) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.provider_result, indent=2, sort_keys=True)
        )
