"""Contacts in the admin; contact imports are shown read-only (they run as background jobs)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from contacts import services
from contacts.forms import ContactForm, ContactPhoneForm, ContactPhoneFormSet
from contacts.models import Contact, ContactPhone, ImportJob


class ContactPhoneInline(admin.TabularInline):
    model = ContactPhone
    form = ContactPhoneForm
    formset = ContactPhoneFormSet
    fields = ["number", "label"]
    extra = 1


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "project", "owner"]
    list_filter = ["project"]
    search_fields = ["name", "company", "phones__number"]
    list_select_related = ["project", "owner"]
    inlines = [ContactPhoneInline]
    raw_id_fields = ["owner"]
    form = ContactForm

    def save_model(self, request, obj: Contact, form, change: bool) -> None:
        """A contact moved to another project takes its phones along (contacts.services)."""
        super().save_model(request, obj, form, change)
        if change and "project" in form.changed_data:
            services.move_contact(obj, obj.project)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "original_name",
        "project",
        "created_by",
        "state",
        "progress",
        "created_count",
        "updated_count",
        "skipped_count",
    ]
    list_filter = ["state", "project"]
    search_fields = ["original_name", "created_by__username"]
    date_hierarchy = "created_at"
    list_select_related = ["project", "created_by"]
    exclude = ["file"]  # the uploaded file may hold many people's numbers: not linked here
    readonly_fields = [f.name for f in ImportJob._meta.fields if f.name != "file"]

    @admin.display(description=_("progress"))
    def progress(self, obj: ImportJob) -> str:
        return f"{obj.processed_rows}/{obj.total_rows}"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
