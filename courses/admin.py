from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from lms.scorm import get_provider

from .intake import PackageRejected
from .models import Course, Package, Sco
from .services import package_create


class PackageInline(admin.TabularInline):
    model = Package
    fields = ("version", "title", "standard", "status", "error", "remote_id", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("-version",)

    def has_add_permission(self, request: HttpRequest, obj: Course | None = None) -> bool:
        return False  # uploads go through the package form, which runs the intake


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "provider",
        "is_published",
        "self_enrollment",
        "learner_count",
        "updated_at",
    )
    list_filter = ("provider", "is_published", "self_enrollment")
    search_fields = ("title", "slug", "description")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("instructors",)
    inlines = [PackageInline]
    actions = ["check_provider_connection"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "slug",
                    "description",
                    "provider",
                    "is_published",
                    "self_enrollment",
                )
            },
        ),
        (
            "Attempts and grading",
            {"fields": ("max_attempts", "new_attempt_rule", "grading_method")},
        ),
        ("Instructors", {"fields": ("instructors",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Course]:
        return super().get_queryset(request).annotate(_learners=Count("enrollments", distinct=True))

    @admin.display(description="Learners", ordering="_learners")
    def learner_count(self, obj: Course) -> int:
        return obj._learners

    @admin.action(description="Check the provider connection of the selected courses")
    def check_provider_connection(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        for identifier in sorted(set(queryset.values_list("provider", flat=True))):
            provider = get_provider(identifier)
            check = provider.check_connection()
            level = messages.SUCCESS if check.ok else messages.ERROR
            self.message_user(request, f"{provider.verbose_name}: {check.message}", level)


class PackageUploadForm(forms.ModelForm):
    """Upload a zip: the intake validates it before anything is stored."""

    class Meta:
        model = Package
        fields = ("course", "file")
        labels = {"file": "SCORM package (.zip)"}

    def clean(self) -> dict:
        cleaned = super().clean()
        upload = cleaned.get("file")
        course = cleaned.get("course")
        if upload and course:
            try:
                self.instance = package_create(course=course, upload=upload, uploaded_by=self.user)
            except PackageRejected as err:
                raise forms.ValidationError({"file": err.message}) from err
        return cleaned

    def save(self, commit: bool = True) -> Package:
        return self.instance  # already stored by package_create in clean()

    def save_m2m(self) -> None:
        pass


class ScoInline(admin.TabularInline):
    model = Sco
    fields = ("position", "identifier", "title", "href", "is_sco", "mastery_score")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Package | None = None) -> bool:
        return False


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "title",
        "standard",
        "status_badge",
        "scos_count",
        "size",
        "created_at",
    )
    list_filter = ("status", "standard", "course__provider")
    search_fields = ("course__title", "title", "sha256", "remote_id")
    list_select_related = ("course",)
    inlines = [ScoInline]
    readonly_fields = (
        "course",
        "version",
        "title",
        "standard",
        "status",
        "error",
        "sha256",
        "size",
        "file",
        "remote_id",
        "remote_version",
        "remote_job_id",
        "uploaded_by",
        "created_at",
        "manifest_summary",
    )
    fieldsets = (
        (None, {"fields": ("course", "version", "title", "standard", "status", "error")}),
        ("File", {"fields": ("file", "sha256", "size", "uploaded_by", "created_at")}),
        ("Provider", {"fields": ("remote_id", "remote_version", "remote_job_id")}),
        ("Manifest", {"fields": ("manifest_summary",), "classes": ("collapse",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Package]:
        return super().get_queryset(request).annotate(_scos=Count("scos"))

    def get_form(
        self, request: HttpRequest, obj: Package | None = None, change: bool = False, **kwargs
    ):
        if obj is None:
            kwargs["form"] = PackageUploadForm
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def get_fieldsets(self, request: HttpRequest, obj: Package | None = None):
        if obj is None:
            return ((None, {"fields": ("course", "file")}),)
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Package | None = None):
        return self.readonly_fields if obj else ()

    def get_inlines(self, request: HttpRequest, obj: Package | None):
        return self.inlines if obj else []

    def save_model(
        self, request: HttpRequest, obj: Package, form: forms.Form, change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
        # A new package was stored by the upload form's intake.

    def has_change_permission(self, request: HttpRequest, obj: Package | None = None) -> bool:
        return False if obj else super().has_change_permission(request, obj)

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: Package) -> str:
        if obj.status == Package.Status.FAILED:
            return format_html('<span title="{}">failed: {}</span>', obj.error, obj.error[:80])
        return obj.get_status_display()

    @admin.display(description="SCOs", ordering="_scos")
    def scos_count(self, obj: Package) -> int:
        return obj._scos

    @admin.display(description="Manifest data")
    def manifest_summary(self, obj: Package) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.manifest, indent=2, sort_keys=True))
