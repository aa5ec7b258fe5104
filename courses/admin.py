from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from providers import get_provider

from .intake import PackageRejected
from .models import Course, Package, Sco
from .services import (
    course_provider_changed,
    package_create,
    package_import_advance,
    package_inspect,
)


class PackageInline(admin.TabularInline):
    model = Package
    fields = (
        "version",
        "provider",
        "title",
        "standard",
        "status",
        "error",
        "remote_id",
        "created_at",
    )
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

    def save_model(self, request: HttpRequest, obj: Course, form: forms.Form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "provider" in form.changed_data:
            package = course_provider_changed(course=obj, changed_by=request.user)
            if package is not None:
                self.message_user(
                    request,
                    f"{obj} now plays on {get_provider(obj.provider).verbose_name}: its package "
                    f"was queued for import there as version {package.version}. Learners can "
                    "play it once that import is ready.",
                    messages.WARNING,
                )

    @admin.action(description="Check the provider connection of the selected courses")
    def check_provider_connection(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        for identifier in sorted(set(queryset.values_list("provider", flat=True))):
            provider = get_provider(identifier)
            check = provider.check_connection()
            level = messages.SUCCESS if check.ok else messages.ERROR
            self.message_user(request, f"{provider.verbose_name}: {check.message}", level)


class PackageUploadForm(forms.ModelForm):
    """Upload a zip: the intake validates it here; the package is created by ``save_model``."""

    package_info = None

    class Meta:
        model = Package
        fields = ("course", "file")
        labels = {"file": "SCORM package (.zip)"}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            try:
                self.package_info = package_inspect(upload=upload)
            except PackageRejected as err:
                raise forms.ValidationError(err.message) from err
        return upload


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
        "provider",
        "status_badge",
        "scos_count",
        "size",
        "created_at",
    )
    list_filter = ("status", "standard", "provider")
    search_fields = ("course__title", "title", "sha256", "remote_id")
    list_select_related = ("course",)
    inlines = [ScoInline]
    readonly_fields = (
        "course",
        "version",
        "provider",
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
        (
            None,
            {"fields": ("course", "version", "provider", "title", "standard", "status", "error")},
        ),
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
            return
        created = package_create(
            course=form.cleaned_data["course"],
            upload=form.cleaned_data["file"],
            uploaded_by=request.user,
            info=form.package_info,
        )
        obj.__dict__.update(created.__dict__)  # the admin goes on with the stored package

    def response_add(self, request: HttpRequest, obj: Package, post_url_continue=None):
        # The import starts once this request's transaction commits: say what is true now,
        # and show the package's page, where its status is shown as it advances.
        provider = get_provider(obj.provider).verbose_name
        self.message_user(
            request,
            f"“{obj}” was uploaded and passed the checks. Its import into {provider} has "
            "started; its status is shown below.",
            messages.INFO,
        )
        return redirect(reverse("admin:courses_package_change", args=[obj.pk]))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ):
        package = self.get_object(request, object_id)
        if package is not None:
            package_import_advance(package=package)  # without a worker, looking moves it on
        return super().change_view(request, object_id, form_url, extra_context)

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
