"""The GOV.UK component partials in templates/components/, rendered from Django forms."""

import re

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template import RequestContext, Template
from django.test import RequestFactory


class FaultForm(forms.Form):
    location = forms.CharField(
        max_length=200, help_text="For example, first floor kitchen", label="Where is it?"
    )
    description = forms.CharField(widget=forms.Textarea, label="What is wrong?")
    category = forms.ChoiceField(
        choices=[("", "Choose a category"), ("heating", "Heating"), ("cctv", "CCTV")]
    )
    priority = forms.ChoiceField(
        choices=[("P1", "P1 emergency"), ("P2", "P2 urgent")], widget=forms.RadioSelect
    )
    categories = forms.MultipleChoiceField(
        choices=[("heating", "Heating"), ("cctv", "CCTV")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    urgent = forms.BooleanField(required=False, label="This is urgent")
    photo = forms.FileField(required=False, label="Photo")

    def clean(self):
        if self.cleaned_data.get("location") == "roof":
            raise forms.ValidationError("We cannot send anyone onto the roof")
        return self.cleaned_data


def render(source, **context):
    request = RequestFactory().get("/faults/", {"status": "open", "page": "5"})
    return Template(source).render(RequestContext(request, context))


def squash(html):
    return re.sub(r"\s+", " ", html)


@pytest.fixture
def invalid():
    form = FaultForm(data={"location": "", "description": "", "category": "", "priority": ""})
    assert not form.is_valid()
    return form


@pytest.fixture
def valid():
    form = FaultForm(
        data={
            "location": "Kitchen <b>",
            "description": "Boiler\nbroken",
            "category": "cctv",
            "priority": "P2",
            "categories": ["cctv"],
            "urgent": "on",
        }
    )
    assert form.is_valid(), form.errors
    return form


def test_error_summary_links_each_error_to_its_field(invalid):
    html = render('{% include "components/error_summary.html" with form=form %}', form=invalid)
    assert 'data-module="govuk-error-summary"' in html
    assert "There is a problem" in html
    for name in ("location", "description", "category", "priority"):
        assert f'<a href="#id_{name}">This field is required.</a>' in html


def test_error_summary_links_form_errors_to_the_first_field():
    form = FaultForm(
        data={"location": "roof", "description": "x", "category": "cctv", "priority": "P1"}
    )
    assert not form.is_valid()
    html = render('{% include "components/error_summary.html" with form=form %}', form=form)
    assert '<a href="#id_location">We cannot send anyone onto the roof</a>' in html


def test_no_error_summary_without_errors(valid):
    html = render('{% include "components/error_summary.html" with form=form %}', form=valid)
    assert html.strip() == ""


def test_input_with_hint_and_error(invalid):
    html = squash(
        render('{% include "components/input.html" with field=form.location %}', form=invalid)
    )
    assert '<div class="govuk-form-group govuk-form-group--error">' in html
    assert '<label class="govuk-label" for="id_location">Where is it?</label>' in html
    assert (
        '<div id="id_location-hint" class="govuk-hint">For example, first floor kitchen</div>'
        in html
    )
    assert (
        '<p id="id_location-error" class="govuk-error-message">'
        '<span class="govuk-visually-hidden">Error:</span> This field is required.</p>'
    ) in html
    assert (
        'class="govuk-input govuk-input--error" id="id_location" name="location" type="text"'
        in html
    )
    assert 'aria-describedby="id_location-hint id_location-error"' in html
    assert 'maxlength="200"' in html


def test_input_keeps_and_escapes_the_value(valid):
    html = render(
        '{% include "components/input.html" with field=form.location'
        ' input_class="govuk-input--width-20" label_class="govuk-label--m" is_page_heading=True %}',
        form=valid,
    )
    assert 'value="Kitchen &lt;b&gt;"' in html
    assert 'class="govuk-input govuk-input--width-20"' in html
    assert "govuk-form-group--error" not in html
    assert 'aria-describedby="id_location-hint"' in html
    assert '<h1 class="govuk-label-wrapper">' in html
    assert 'class="govuk-label govuk-label--m"' in html


def test_input_prefix_and_suffix(valid):
    html = render(
        '{% include "components/input.html" with field=form.location'
        ' prefix="£" suffix="per item" %}',
        form=valid,
    )
    assert '<div class="govuk-input__wrapper">' in html
    assert '<div class="govuk-input__prefix" aria-hidden="true">£</div>' in html
    assert '<div class="govuk-input__suffix" aria-hidden="true">per item</div>' in html


def test_textarea(invalid, valid):
    html = squash(
        render(
            '{% include "components/textarea.html" with field=form.description rows=4 %}',
            form=invalid,
        )
    )
    assert (
        'class="govuk-textarea govuk-textarea--error" id="id_description"'
        ' name="description" rows="4"' in html
    )
    assert 'aria-describedby="id_description-error"' in html
    html = render(
        '{% include "components/textarea.html" with field=form.description %}', form=valid
    )
    assert ">\nBoiler\nbroken</textarea>" in html
    assert 'rows="10"' in html  # Django's Textarea default
    assert "cols=" not in html


def test_select(invalid, valid):
    html = render('{% include "components/select.html" with field=form.category %}', form=invalid)
    assert 'class="govuk-select govuk-select--error" id="id_category" name="category"' in html
    assert '<option value="" selected>Choose a category</option>' in html
    html = render('{% include "components/select.html" with field=form.category %}', form=valid)
    assert '<option value="cctv" selected>CCTV</option>' in html


def test_radios(invalid, valid):
    html = squash(
        render(
            '{% include "components/radios.html" with field=form.priority inline=True'
            ' legend_class="govuk-fieldset__legend--m" %}',
            form=invalid,
        )
    )
    assert '<fieldset class="govuk-fieldset" aria-describedby="id_priority-error">' in html
    assert (
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--m"> Priority </legend>'
        in html
    )
    assert 'class="govuk-radios govuk-radios--inline" data-module="govuk-radios"' in html
    assert 'id="id_priority" name="priority" type="radio" value="P1"' in html
    assert 'id="id_priority-2" name="priority" type="radio" value="P2"' in html
    assert (
        '<label class="govuk-label govuk-radios__label" for="id_priority-2">P2 urgent</label>'
        in html
    )
    html = render('{% include "components/radios.html" with field=form.priority %}', form=valid)
    assert 'value="P2" checked' in html
    assert 'value="P1" checked' not in html


def test_checkboxes_multiple_and_single(valid):
    html = render(
        '{% include "components/checkboxes.html" with field=form.categories %}', form=valid
    )
    assert '<fieldset class="govuk-fieldset">' in html
    assert 'id="id_categories" name="categories" type="checkbox" value="heating">' in html
    assert 'id="id_categories-2" name="categories" type="checkbox" value="cctv" checked>' in html
    html = render('{% include "components/checkboxes.html" with field=form.urgent %}', form=valid)
    assert "<fieldset" not in html
    assert 'id="id_urgent" name="urgent" type="checkbox" checked>' in html
    assert 'for="id_urgent">This is urgent</label>' in html


def test_file_upload(valid):
    html = render(
        '{% include "components/file_upload.html" with field=form.photo'
        ' accept="image/*" javascript=True %}',
        form=valid,
    )
    assert '<div class="govuk-file-upload-wrapper" data-module="govuk-file-upload">' in html
    assert (
        'class="govuk-file-upload" id="id_photo" name="photo" type="file" accept="image/*"' in html
    )


def test_summary_list_and_card():
    rows = [
        {"key": "Location", "value": "Kitchen", "href": "/edit/", "action_hidden": "location"},
        {"key": "Beds out of use", "value": 0},
        {"key": "Notes", "value": ""},
    ]
    html = squash(
        render(
            '{% include "components/summary_list.html" with rows=rows card_title="Fault" %}',
            rows=rows,
        )
    )
    assert '<h2 class="govuk-summary-card__title">Fault</h2>' in html
    assert '<dt class="govuk-summary-list__key">Location</dt>' in html
    assert (
        '<a class="govuk-link" href="/edit/">Change<span class="govuk-visually-hidden">'
        " location (Fault)</span></a>"
    ) in html
    assert '<dd class="govuk-summary-list__value">0</dd>' in html
    assert '<dd class="govuk-summary-list__value">Not given</dd>' in html
    assert "govuk-summary-list__row--no-actions" in html


@pytest.mark.parametrize(
    ("include", "expected"),
    [
        ('status="reported" text="Reported"', '<strong class="govuk-tag">Reported</strong>'),
        (
            'status="closed" text="Closed"',
            '<strong class="govuk-tag govuk-tag--green">Closed</strong>',
        ),
        (
            'status="cancelled" text="Cancelled"',
            '<strong class="govuk-tag govuk-tag--grey">Cancelled</strong>',
        ),
        ('priority="P1"', '<strong class="govuk-tag govuk-tag--red">P1</strong>'),
        (
            'priority="P2" text="P2 urgent"',
            '<strong class="govuk-tag govuk-tag--orange">P2 urgent</strong>',
        ),
        ('priority="P3"', '<strong class="govuk-tag">P3</strong>'),
        (
            'text="Overdue" colour="red"',
            '<strong class="govuk-tag govuk-tag--red">Overdue</strong>',
        ),
    ],
)
def test_tag(include, expected):
    assert (
        render('{% include "components/tag.html" with ' + include + " only %}").strip() == expected
    )


def test_pagination_keeps_the_query_string():
    page = Paginator(range(100), 10).page(5)
    html = squash(render('{% include "components/pagination.html" with page=page %}', page=page))
    assert 'href="?status=open&amp;page=4" rel="prev"' in html
    assert 'href="?status=open&amp;page=6" rel="next"' in html
    assert 'href="?status=open&amp;page=5" aria-label="Page 5" aria-current="page"' in html
    assert "govuk-pagination__item--current" in html
    for shown in (1, 4, 5, 6, 10):
        assert f'aria-label="Page {shown}"' in html
    for hidden in (2, 3, 7, 8, 9):
        assert f'aria-label="Page {hidden}"' not in html
    assert html.count("govuk-pagination__item--ellipsis") == 2


def test_pagination_with_an_elided_range_from_the_view():
    page = Paginator(range(1000), 10).page(50)
    page_range = page.paginator.get_elided_page_range(page.number)
    html = render(
        '{% include "components/pagination.html" with page=page page_range=page_range %}',
        page=page,
        page_range=page_range,
    )
    assert 'aria-label="Page 100"' in html
    assert 'aria-label="Page 50" aria-current="page"' in html
    assert html.count("govuk-pagination__item--ellipsis") == 2


def test_no_pagination_for_one_page():
    page = Paginator(range(5), 10).page(1)
    assert (
        render('{% include "components/pagination.html" with page=page %}', page=page).strip() == ""
    )
