from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django_htmx.http import HTMX_STOP_POLLING

from providers import get_provider, provider_choices

from . import tus
from .intake import PackageInfo, PackageRejected
from .intake.errors import human_size
from .models import Course, Package, Sco
from .services import (
    course_create_from_package,
    course_delete,
    course_provider_changed,
    package_create,
    package_delete,
    package_import_advance,
    package_inspect,
    package_upload_assemble,
    package_upload_discard,
    package_upload_get,
)
from .signals import grading_method_changed


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

    def delete_model(self, request: HttpRequest, obj: Course) -> None:
        course_delete(course=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        for course in queryset:
            course_delete(course=course)

    def save_model(self, request: HttpRequest, obj: Course, form: forms.Form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "grading_method" in form.changed_data:
            # Learners' stored results follow the grading method: recomputed for this course.
            grading_method_changed.send(sender=Course, course=obj)
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

    # New course from a package ----------------------------------------------------------------

    change_list_template = "admin/courses/course/change_list.html"

    def get_urls(self):
        return [
            path(
                "from-package/",
                self.admin_site.admin_view(self.from_package_view),
                name="courses_course_from_package",
            ),
            *super().get_urls(),
        ]

    def from_package_view(self, request: HttpRequest) -> HttpResponse:
        """One screen: a zip and a provider make a course (title and description from the
        manifest), with the package as its version 1, ready to publish once imported."""
        if not (
            self.has_add_permission(request)
            and self.admin_site.get_model_admin(Package).has_add_permission(request)
        ):
            raise PermissionDenied
        form = CourseFromPackageForm(request.POST or None, request.FILES or None)
        form.user = request.user
        if request.method == "POST" and form.is_valid():
            course = course_create_from_package(
                upload=form.cleaned_data["file"],
                provider=form.cleaned_data["provider"],
                created_by=request.user,
                info=form.package_info,
            )
            form.package_stored()
            package = course.packages.get()
            self.log_addition(request, course, [{"added": {}}])
            self.message_user(
                request,
                f"The course “{course}” was created from the package, unpublished: publish it "
                "when you are ready.",
                messages.INFO,
            )
            _tell_import_outcome(self, request, package.pk)
            return redirect(reverse("admin:courses_package_change", args=[package.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "New course from a package",
            "form": form,
            "media": self.media + form.media,
            **_upload_context(),
        }
        return TemplateResponse(request, "admin/courses/course/from_package.html", context)


class PackageSourceForm(forms.Form):
    """A package arrives as the form's ``file`` (a plain post, as scripts and browsers without
    JavaScript send it) or as a finished resumable upload whose id the admin's upload script
    puts in ``upload``. Either way the intake runs on the whole zip while the form validates,
    and a rejected package shows why and leaves nothing behind: no package, no chunks."""

    upload = forms.UUIDField(required=False, widget=forms.HiddenInput)

    user = None  # the signed-in admin, set by the view: an upload is only its owner's
    package_info: PackageInfo | None = None
    upload_id: str | None = None  # the resumable upload to delete once the package is stored

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A finished upload stands in for the file.
        self.fields["file"].required = not self.data.get(self.add_prefix("upload"))

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            try:
                self.package_info = package_inspect(upload=upload)
            except PackageRejected as err:
                raise forms.ValidationError(err.message) from err
        return upload

    def clean(self):
        cleaned = super().clean()
        if self.errors or cleaned.get("file"):
            return cleaned  # a plain post (checked by clean_file), or other fields to fix first
        upload_id = cleaned.get("upload")
        upload = package_upload_get(upload_id=str(upload_id), owner=self.user)
        if upload is None:
            self.add_error(
                "file", "The upload has expired or was already used. Choose the file again."
            )
            return cleaned
        try:
            assembled = package_upload_assemble(upload=upload)
        except PackageRejected as err:
            self.add_error("file", err.message)
            return cleaned
        try:
            self.package_info = package_inspect(upload=assembled)
        except PackageRejected as err:
            assembled.close()
            package_upload_discard(upload_id=upload.id)  # rejected: keep nothing
            self.data = self.data.copy()
            self.data["upload"] = ""  # the form shown again must not offer the deleted upload
            self.add_error("file", err.message)
            return cleaned
        cleaned["file"] = assembled
        self.upload_id = upload.id
        return cleaned

    def package_stored(self) -> None:
        """The package was created from this form's zip: close the temporary file and delete
        the upload's chunks once the transaction commits."""
        upload = self.cleaned_data.get("file")
        if self.upload_id and upload is not None:
            upload.close()
            upload_id = self.upload_id
            transaction.on_commit(lambda: package_upload_discard(upload_id=upload_id))


class PackageUploadForm(PackageSourceForm, forms.ModelForm):
    """Upload a zip: the intake validates it here; the package is created by ``save_model``."""

    class Meta:
        model = Package
        fields = ("course", "file")
        labels = {"file": "SCORM package (.zip)"}
        widgets = {"file": forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"})}


class CourseFromPackageForm(PackageSourceForm):
    """One screen for a new course: the package's manifest gives its title and description."""

    required_css_class = "required"  # the admin's bold labels

    file = forms.FileField(
        label="SCORM package (.zip)",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
        help_text="The course takes the title and description written in its imsmanifest.xml.",
    )
    provider = forms.ChoiceField(
        label="Plays on",
        help_text="The SCORM player that plays this course's packages.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = provider_choices()
        self.fields["provider"].initial = settings.SCORM_DEFAULT_PROVIDER
        self.order_fields(["file", "provider", "upload"])


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
        "size_display",
        "created_at",
    )
    list_filter = ("status", "standard", "provider")
    search_fields = ("course__title", "title", "sha256", "remote_id")
    list_select_related = ("course",)
    inlines = [ScoInline]
    add_form_template = "admin/courses/package/add_form.html"
    change_form_template = "admin/courses/package/change_form.html"
    change_list_template = "admin/courses/package/change_list.html"
    readonly_fields = (
        "course",
        "version",
        "provider",
        "title",
        "standard",
        "import_status",
        "sha256",
        "size_display",
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
            {"fields": ("course", "version", "provider", "title", "standard", "import_status")},
        ),
        ("File", {"fields": ("file", "sha256", "size_display", "uploaded_by", "created_at")}),
        ("Provider", {"fields": ("remote_id", "remote_version", "remote_job_id")}),
        ("Manifest", {"fields": ("manifest_summary",), "classes": ("collapse",)}),
    )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("uploads/", wrap(self.upload_create_view), name="courses_package_uploads"),
            path(
                "uploads/<uuid:upload_id>/",
                wrap(self.upload_resource_view),
                name="courses_package_upload",
            ),
            path(
                "<path:object_id>/status/",
                wrap(self.status_view),
                name="courses_package_status",
            ),
            *super().get_urls(),
        ]

    # The resumable upload endpoint (tus), for the add form's script -------------------------

    def upload_create_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        return tus.create(request, lambda upload_id: reverse(UPLOAD_URL, args=[upload_id]))

    def upload_resource_view(self, request: HttpRequest, upload_id) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        return tus.resource(request, str(upload_id))

    # The import's status, live ----------------------------------------------------------------

    def status_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The status fragment the package's page and the list poll. Without a worker, looking
        moves a remote import on. Once the import is ready or failed the fragment carries no
        trigger and htmx is told to stop (286)."""
        package = self.get_object(request, object_id)
        if package is None:
            raise Http404
        if not self.has_view_permission(request, package):
            raise PermissionDenied
        package_import_advance(package=package)
        package.refresh_from_db()
        row = request.GET.get("view") == "row"
        finished = package.status in FINISHED
        status = HTMX_STOP_POLLING if finished and request.htmx else 200
        return HttpResponse(_status_fragment(package, row=row), status=status)

    @admin.display(description="Import status")
    def import_status(self, obj: Package) -> str:
        return format_html('<div aria-live="polite">{}</div>', _status_fragment(obj, row=False))

    # Upload and add ----------------------------------------------------------------------------

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
            return ((None, {"fields": ("course", "file", "upload")}),)
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Package | None = None):
        return self.readonly_fields if obj else ()

    def get_inlines(self, request: HttpRequest, obj: Package | None):
        return self.inlines if obj else []

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        extra_context = {**(extra_context or {}), **_upload_context()}
        return super().add_view(request, form_url, extra_context)

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
        form.package_stored()
        obj.__dict__.update(created.__dict__)  # the admin goes on with the stored package

    def response_add(self, request: HttpRequest, obj: Package, post_url_continue=None):
        # The import starts once this request's transaction commits (and, without a worker,
        # runs then): say where it stands after that, and show the package's page, where its
        # status is shown as it advances.
        package_id = obj.pk
        transaction.on_commit(lambda: _tell_import_outcome(self, request, package_id))
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

    def delete_model(self, request: HttpRequest, obj: Package) -> None:
        package_delete(package=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Package]) -> None:
        for package in queryset:
            package_delete(package=package)

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: Package) -> str:
        return _status_fragment(obj, row=True)

    @admin.display(description="Size", ordering="size")
    def size_display(self, obj: Package) -> str:
        return human_size(obj.size)

    @admin.display(description="SCOs", ordering="_scos")
    def scos_count(self, obj: Package) -> int:
        return obj._scos

    @admin.display(description="Manifest data")
    def manifest_summary(self, obj: Package) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.manifest, indent=2, sort_keys=True))


UPLOAD_URL = "admin:courses_package_upload"
FINISHED = {Package.Status.READY, Package.Status.FAILED}
#: The package's page and the list ask for a changing status this often.
STATUS_POLL_SECONDS = 2


def _status_fragment(package: Package, *, row: bool) -> str:
    """A package's import status as HTML: polling while the import runs, final once it is
    ready or failed. ``row``: the short form the package list shows."""
    html = render_to_string(
        "admin/courses/package/_status.html",
        {
            "package": package,
            "row": row,
            "finished": package.status in FINISHED,
            "poll_seconds": STATUS_POLL_SECONDS,
            "provider": get_provider(package.provider).verbose_name,
            "course_published": package.course.is_published,
        },
    )
    return mark_safe(html.strip())  # noqa: S308 - rendered by the template engine, escaped there


def _tell_import_outcome(model_admin: admin.ModelAdmin, request: HttpRequest, package_id) -> None:
    """Say where a new package's import stands: ready, failed (and why) or under way."""
    package = Package.objects.select_related("course").get(pk=package_id)
    provider = get_provider(package.provider).verbose_name
    if package.status == Package.Status.READY:
        text = f"“{package}” was uploaded, passed the checks and is imported into {provider}."
        level = messages.SUCCESS
    elif package.status == Package.Status.FAILED:
        text = (
            f"“{package}” was uploaded and passed the checks, but its import into {provider} "
            f"failed: {package.error}"
        )
        level = messages.ERROR
    else:
        text = (
            f"“{package}” was uploaded and passed the checks. Its import into {provider} has "
            "started; its status below updates by itself."
        )
        level = messages.INFO
    model_admin.message_user(request, text, level)


def _upload_context() -> dict:
    """What the upload script needs: its endpoint, chunk size and the size limit."""
    return {
        "package_upload": {
            "endpoint": reverse("admin:courses_package_uploads"),
            "chunk_bytes": settings.SCORM_UPLOAD_CHUNK_BYTES,
            "max_bytes": settings.SCORM_INTAKE_MAX_UPLOAD_BYTES,
            "max_size": human_size(settings.SCORM_INTAKE_MAX_UPLOAD_BYTES),
        }
    }
