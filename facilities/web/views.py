"""Pages that frame the service: home, sign in, the accessibility statement, and the
redirect that lets GOV.UK Frontend's CSS find its fonts and images."""

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_safe

from facilities import access
from facilities.access import premises_visible_to
from facilities.finding import dashboard, slices, waiting
from facilities.models import Role
from facilities.web import posters


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user, now = request.user, timezone.now()
    office_manager = access.role_of(user) == Role.OFFICE_MANAGER
    my_premises = list(premises_visible_to(user).order_by("name")) if office_manager else []
    # The user's scope read once for every figure on the page (it was read seven times).
    scope = slices.Scope.of(user, [p.pk for p in my_premises] if office_manager else None)
    figures = dashboard.home_figures(user, now, scope)
    sections = waiting.waiting_for(user, now, scope)
    return render(
        request,
        "home.html",
        {
            "counts": figures.counts,
            "headlines": dashboard.headlines(figures),
            "scope": dashboard.describe_scope(user, my_premises if office_manager else None),
            "late_faults": dashboard.most_overdue(user, now, scope=scope),
            # What is waiting on this person, most urgent first.
            "waiting": sections,
            "waiting_count": sum(section.total for section in sections),
            # Office managers: "Log a fault" as the start button, and their premises.
            "start_logging": office_manager,
            "my_premises": my_premises,
            # Contract managers: every poster of a region as one PDF.
            "poster_regions": posters.poster_regions(user),
        },
    )


class SignInForm(AuthenticationForm):
    """Django's sign-in form with GOV.UK error messages, shown next to the username."""

    username = UsernameField(
        label="Username",
        error_messages={"required": "Enter your username"},
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": "Enter your password"},
    )
    error_messages = {
        "invalid_login": "Enter a correct username and password",
        "inactive": "This account has been switched off. Ask an administrator to switch it on.",
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            # Both fields are at fault, but the error summary needs somewhere to link to.
            self.add_error("username", error)
            return self.cleaned_data


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility.html")


@require_safe
def frontend_asset(request: HttpRequest, path: str) -> HttpResponse:
    """GOV.UK and MOJ Frontend's CSS ask for `/assets/<path>`; send them to the static copy.

    The static copy has a hashed, long-cached URL when collected for production and is
    served by whitenoise (or by runserver's static handler with DEBUG).
    """
    if ".." in path.split("/") or path.startswith("/"):
        raise Http404("No such asset.")
    try:
        url = static(f"assets/{path}")
    except ValueError as missing:  # not in the collected manifest
        raise Http404("No such asset.") from missing
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "public, max-age=86400"
    return response
