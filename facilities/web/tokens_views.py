"""A person's own API tokens: see them, make one (its secret shown once), revoke one.

Tokens are made and hashed in one place, `ApiToken.issue` (as the admin and
`manage.py create_api_token` make them): only the SHA-256 digest is stored, so the secret is
shown once, in the answer to the form that made it — never stored, in the session or
anywhere else, and never cached (`Cache-Control: no-store`). Everyone sees and revokes only
their own tokens: another person's is a 404, as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from facilities.models import ApiToken, User

#: How long a new token lasts: its choice's value → days (None: until revoked).
EXPIRIES: dict[str, int | None] = {"30": 30, "90": 90, "365": 365, "never": None}


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What is the token for?",
        help_text="For example, our job system. This helps you tell your tokens apart.",
        max_length=ApiToken._meta.get_field("name").max_length,
        error_messages={
            "required": "Enter what the token is for",
            "max_length": "What the token is for must be 100 characters or fewer",
        },
    )
    access = forms.ChoiceField(
        label="What may it do?",
        choices=[
            ("read_write", "Read and change faults – everything you can do yourself"),
            ("read_only", "Read only – see faults and events, change nothing"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what the token may do",
            "invalid_choice": "Choose what the token may do",
        },
    )
    expiry = forms.ChoiceField(
        label="When should it stop working?",
        choices=[
            ("30", "In 30 days"),
            ("90", "In 90 days"),
            ("365", "In a year"),
            ("never", "Never – only when you revoke it"),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose when the token should stop working",
            "invalid_choice": "Choose when the token should stop working",
        },
    )


@dataclass(frozen=True)
class TokenRow:
    token: ApiToken
    state: str  # "Active", "Expired" or "Revoked"
    colour: str  # its tag's colour

    @property
    def can_revoke(self) -> bool:
        return self.token.revoked_at is None


def _row(token: ApiToken, now: datetime) -> TokenRow:
    if token.revoked_at is not None:
        return TokenRow(token, "Revoked", "grey")
    if not token.is_usable(now):
        return TokenRow(token, "Expired", "grey")
    return TokenRow(token, "Active", "green")


def _own(user: User):
    return ApiToken.objects.filter(user=user)


@login_required
@require_safe
def token_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [_row(token, now) for token in _own(request.user).order_by("-created_at", "-pk")]
    return render(request, "account/api_tokens.html", {"rows": rows})


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def token_new(request: HttpRequest) -> HttpResponse:
    """The form; once valid, the new token's secret, shown on this one answer only."""
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        token, secret = ApiToken.issue(
            request.user,
            name=data["name"],
            read_only=data["access"] == "read_only",
            days=EXPIRIES[data["expiry"]],
        )
        return render(
            request,
            "account/api_token_created.html",
            {"token": token, "secret": secret, "api_base": request.build_absolute_uri("/api/v1/")},
        )
    return render(request, "account/api_token_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """A page that asks first; the POST revokes (once: a revoked token stays revoked)."""
    token = get_object_or_404(_own(request.user), pk=pk)
    if request.method == "POST":
        if token.revoked_at is None:
            token.revoke(timezone.now())
            messages.success(request, f"Token {token.prefix}… ({token.name}) revoked")
        return redirect("api_tokens")
    return render(request, "account/api_token_revoke.html", {"token": token})
