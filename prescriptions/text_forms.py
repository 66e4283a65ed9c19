"""Forms of "paste or upload your prescription": the text or file, then the confirmation
of every line read (nothing is saved before the user confirms); and the import of a
`cqr-prescription/1` JSON document, pasted or uploaded."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from catalog.selectors import discipline_code_match, discipline_list_current
from core.jsontext import JSONTextError, json_loads, validate_single_line
from core.uploads import format_size, read_upload_limited
from prescriptions.forms import DateInput, PrescriptionForm
from prescriptions.history import check_deadline, completed_field
from prescriptions.parsing import Outline, ParsedLine, Unmatched
from prescriptions.text_import import PrescriptionTextError, prescription_text_from_file

NEW = "__new__"  # "not in our outline yet": keep the line as written
SKIP = "__skip__"  # not a prescription line after all
TEXT_TYPES = {".txt": "text", ".pdf": "PDF"}


class DisciplineCodeField(forms.ChoiceField):
    """A discipline chosen by its code, in any case (`ct` is CT: `discipline_code_match`);
    the form shown again has the listed code chosen."""

    def _code(self, value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            return value
        codes = [str(code) for code, _ in cast(list[tuple[Any, Any]], self.choices) if code]
        return discipline_code_match(value, codes) or value

    def to_python(self, value: Any) -> str:
        return cast(str, self._code(super().to_python(value)))

    def bound_data(self, data: Any, initial: Any) -> Any:
        return self._code(super().bound_data(data, initial))


class PrescriptionTextForm(forms.Form):
    text = forms.CharField(
        label="Paste your prescription",
        required=False,
        strip=False,
        help_text="Copy it from ARRT's website (select the whole page and paste): headers "
        "and other lines around the credit lines are fine.",
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
    )
    file = forms.FileField(
        label="Or upload ARRT's PDF or a text file",
        required=False,
        help_text="A .pdf with text (not a scan) or a .txt file.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.txt,application/pdf,text/plain"}),
    )
    discipline = DisciplineCodeField(
        label="Discipline",
        required=False,
        help_text="Leave it to be recognised from the text, or choose it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "Recognise it from the text")]
        choices += [(d.code, f"{d.name} ({d.code})") for d in discipline_list_current()]
        cast(forms.ChoiceField, self.fields["discipline"]).choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload: UploadedFile | None = cleaned.get("file")
        text: str = cleaned.get("text") or ""
        if upload is None and not text.strip():
            raise forms.ValidationError("Paste the prescription or upload a file.")
        if upload is not None and text.strip():
            raise forms.ValidationError("Paste the text or upload a file, not both.")
        if upload is not None:
            name = upload.name or "file"
            suffix = name[name.rfind(".") :].lower() if "." in name else ""
            limit = int(settings.PRESCRIPTION_UPLOAD_MAX_BYTES)
            if suffix not in TEXT_TYPES:
                self.add_error("file", f"{name}: upload a .pdf or .txt file.")
                return cleaned
            if upload.size and upload.size > limit:
                self.add_error(
                    "file",
                    f"{name} is {format_size(upload.size)}; a prescription file may be at "
                    f"most {format_size(limit)}.",
                )
                return cleaned
            try:
                text = prescription_text_from_file(name=name, data=upload.read())
            except PrescriptionTextError as exc:
                self.add_error("file", str(exc))
                return cleaned
        cleaned["prescription_text"] = text
        return cleaned


def subcategory_choices(outline: Outline) -> list[tuple[str, Any]]:
    """The outline's subcategories grouped by major category, then the two other answers."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for sub in outline.subcategories:
        groups.setdefault(sub.major, []).append((sub.name, sub.name))
    return [
        ("", "Choose a subcategory…"),
        *groups.items(),
        (
            "Other answers",
            [
                (NEW, "Not in this list: keep it as written (not in our outline yet)"),
                (SKIP, "Not a prescription line: leave it out"),
            ],
        ),
    ]


class ConfirmLineForm(forms.Form):
    """One line read from the text: what it is, as the user confirms or corrects it."""

    line = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)
    # What the parser read, carried through the confirmation round trips for display only.
    read_as = forms.CharField(widget=forms.HiddenInput, required=False)
    how_sure = forms.CharField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(widget=forms.HiddenInput, required=False)
    closest = forms.CharField(widget=forms.HiddenInput, required=False)
    choice = forms.ChoiceField(label="Subcategory")
    name = forms.CharField(
        label="Subcategory as written on the prescription",
        max_length=200,
        required=False,
        help_text="Used when it is not in our outline yet.",
    )
    credits = forms.DecimalField(
        label="Credits", min_value=Decimal("0.01"), max_digits=7, decimal_places=2
    )

    def __init__(self, *args: Any, outline: Outline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["choice"]).choices = subcategory_choices(outline)

    def unmatched_note(self) -> str:
        """What the screen says of a line read as no subcategory: the closest one only when
        the parser found one close (`ParsedLine.closest`), else that none is close."""
        reason = self["reason"].value() or Unmatched.NOT_CLOSE.value
        closest = self["closest"].value()
        keep = "we keep it with your prescription and our staff add the name to the outline"
        if closest:
            return (
                f"Not matched: {reason}. The closest subcategory is “{closest}”. Choose the "
                f"subcategory it means, or keep it as written: {keep}."
            )
        none_close = "" if reason == Unmatched.NOT_CLOSE.value else ", and no subcategory is close"
        return (
            f"Not matched: {reason}{none_close}. It is kept as written (not in our outline "
            f"yet) unless you choose the subcategory it means: {keep}."
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("choice") == NEW and not (cleaned.get("name") or "").strip():
            self.add_error("name", "Type the subcategory as the prescription writes it.")
        return cleaned


ConfirmLineFormSet = forms.formset_factory(ConfirmLineForm, extra=0)


class ConfirmForm(forms.Form):
    discipline = forms.CharField(widget=forms.HiddenInput)
    title = forms.CharField(
        label="Name for this prescription",
        max_length=200,
        required=False,
        validators=[validate_single_line],
    )
    issued_on = forms.DateField(
        label="Issued on",
        widget=DateInput(),
        help_text="The day ARRT issued the prescription.",
    )
    deadline = forms.DateField(
        label="Compliance deadline",
        widget=DateInput(),
        help_text="The last day to complete the credits.",
    )
    is_completed = completed_field()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        issued, deadline = cleaned.get("issued_on"), cleaned.get("deadline")
        if isinstance(issued, date) and isinstance(deadline, date) and deadline < issued:
            self.add_error("deadline", "The deadline must be on or after the issue date.")
        check_deadline(self, cleaned)
        return cleaned


def line_initial(line: ParsedLine) -> dict[str, Any]:
    """A line as read: matched lines keep their subcategory; unmatched ones are kept as
    written ("not in our outline yet") unless the user picks a subcategory."""
    return {
        "line": line.line,
        "read_as": line.subcategory or "",
        "how_sure": line.confidence.label if line.confidence else "",
        "reason": line.unmatched_reason.value if line.unmatched_reason else "",
        "closest": line.closest or "",
        "choice": line.subcategory or NEW,
        "name": line.name_text,
        "credits": line.credits,
    }


class PrescriptionImportForm(forms.Form):
    """A `cqr-prescription/1` document, uploaded as a file or pasted."""

    file = forms.FileField(
        label="Upload a JSON file",
        required=False,
        help_text="A cqr-prescription/1 document saved as a .json file.",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )
    text = forms.CharField(
        label="Or paste the JSON",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false", "class": "code-input"}),
    )
    title = forms.CharField(
        label="Name for this prescription",
        max_length=200,
        required=False,
        validators=[validate_single_line],
    )
    share_anonymously = PrescriptionForm.base_fields["share_anonymously"]
    is_completed = completed_field()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload: UploadedFile | None = cleaned.get("file")
        text: str = cleaned.get("text") or ""
        if upload is None and not text.strip():
            raise forms.ValidationError("Upload a JSON file or paste the JSON document.")
        if upload is not None and text.strip():
            raise forms.ValidationError("Upload a file or paste the JSON, not both.")
        limit = int(settings.PRESCRIPTION_UPLOAD_MAX_BYTES)
        if upload is not None:
            try:
                text = read_upload_limited(upload, limit).decode("utf-8-sig")
            except ValidationError as exc:
                self.add_error("file", exc.messages)
                return cleaned
            except UnicodeDecodeError:
                self.add_error("file", "The file is not UTF-8 text; save it as a .json file.")
                return cleaned
        field = "file" if upload is not None else "text"
        if upload is None and len(text.encode()) > limit:
            self.add_error(
                "text",
                f"The pasted JSON is too large: the limit is {format_size(limit)} and this "
                f"text is {format_size(len(text.encode()))}.",
            )
            return cleaned
        try:
            cleaned["document"] = json_loads(text)
        except JSONTextError as exc:
            self.add_error(field, f"This JSON is refused: {exc}.")
        except json.JSONDecodeError as exc:
            self.add_error(
                field,
                f"This is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
            )
        return cleaned
