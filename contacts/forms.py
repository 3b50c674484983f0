from __future__ import annotations

from django import forms
from django.conf import settings
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from contacts.models import Contact, ContactPhone
from contacts.phones import InvalidPhoneNumber, normalize_phone


class ContactForm(forms.ModelForm):
    """The contact in the admin: its owner must be an agent of its project."""

    class Meta:
        model = Contact
        fields = ["project", "name", "company", "crm_url", "owner"]

    def clean(self) -> dict:
        data = super().clean()
        owner, project = data.get("owner"), data.get("project")
        if owner and project and owner.project_id != project.pk:
            self.add_error("owner", _("The owner must be in the same project."))
        return data


class ContactPhoneForm(forms.ModelForm):
    """Accepts a number in any format and stores it in E.164 for the contact's project."""

    class Meta:
        model = ContactPhone
        fields = ["number", "label"]

    def clean_number(self) -> str:
        contact = self.instance.contact
        project = getattr(contact, "project", None)
        region = project.region if project else settings.DEFAULT_PHONE_REGION
        try:
            return normalize_phone(self.cleaned_data["number"], region)
        except InvalidPhoneNumber as exc:
            raise forms.ValidationError(str(exc)) from None

    def save(self, commit: bool = True) -> ContactPhone:
        self.instance.project_id = self.instance.contact.project_id
        return super().save(commit)


class ContactPhoneFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        seen = set()
        for form in self.forms:
            number = getattr(form, "cleaned_data", {}).get("number")
            if not number or form.cleaned_data.get("DELETE"):
                continue
            if number in seen:
                form.add_error("number", forms.ValidationError(_("This number is listed twice.")))
            seen.add(number)
