from __future__ import annotations

from django import forms


class DecisionForm(forms.Form):
    """A lead's decision on a request: the lifecycle checks what each decision needs."""

    conditions = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Conditions the visitors will see",
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason or what to change",
    )
    approve_lone_working = forms.BooleanField(required=False, label="I approve lone working for this visit (hc06)")
    confirm_evening = forms.BooleanField(required=False, label="I confirm this evening visit is necessary (hc13)")
