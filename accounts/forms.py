"""Account forms: they validate input; the services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm, UsernameField

from catalog.models import Discipline


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        label="E-mail",
        help_text="Used only to reset your password.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta:
        model = get_user_model()
        fields = ("username", "email")
        field_classes = {"username": UsernameField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this e-mail already exists. Log in, or reset its password."
            )
        return email


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        required=False,
        help_text="Printed on your plan PDF.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    arrt_id = forms.CharField(
        label="ARRT ID (optional)",
        max_length=20,
        required=False,
        help_text="Your ARRT identification number, digits only.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    disciplines = forms.ModelMultipleChoiceField(
        label="Your credentials",
        queryset=Discipline.objects.filter(outlines__is_current=True).distinct().order_by("code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The disciplines you hold; new prescriptions start with the first one.",
    )

    def clean_arrt_id(self) -> str:
        value: str = self.cleaned_data["arrt_id"].strip()
        if value and not value.isdigit():
            raise forms.ValidationError("An ARRT ID has digits only, for example 123456.")
        return value
