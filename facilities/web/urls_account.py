"""The signed-in person's own things: their API tokens."""

from django.urls import path

from . import tokens_views

urlpatterns = [
    path("account/api-tokens/", tokens_views.token_list, name="api_tokens"),
    path("account/api-tokens/new/", tokens_views.token_new, name="api_token_new"),
    path("account/api-tokens/<int:pk>/revoke/", tokens_views.token_revoke, name="api_token_revoke"),
]
