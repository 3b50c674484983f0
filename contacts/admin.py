from django.contrib import admin

from contacts.forms import ContactPhoneForm, ContactPhoneFormSet
from contacts.models import Contact, ContactPhone


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
    inlines = [ContactPhoneInline]
    raw_id_fields = ["owner"]
