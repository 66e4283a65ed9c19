"""Account API: exchange a username and password for an API token, and revoke it."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ApiView, error_response

AUTH_TAG = ["auth"]


class TokenCreateApi(ApiView):
    """Get your API token (the same one every time until you revoke it).

    Send it as `Authorization: Token <key>`. Repeated wrong passwords lock the username
    out from your address for a while (429), as on the login page.
    """

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    class InputSerializer(serializers.Serializer[Any]):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, style={"input_type": "password"})

    class OutputSerializer(serializers.Serializer[Any]):
        token = serializers.CharField()
        username = serializers.CharField()

    @extend_schema(
        tags=AUTH_TAG,
        request=InputSerializer,
        responses={200: OutputSerializer, 400: error_response(400, "Wrong username or password.")},
        examples=[
            OpenApiExample(
                "Credentials",
                value={"username": "alice", "password": "your password"},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The Django request, so django-axes can count failures and flag a lockout.
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            raise serializers.ValidationError("Unable to log in with this username and password.")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key, "username": user.get_username()})


class TokenDeleteApi(ApiView):
    """Revoke your API token; the next POST /api/v1/auth/token/ issues a new one."""

    @extend_schema(
        tags=AUTH_TAG,
        request=None,
        responses={204: OpenApiResponse(description="Token revoked.")},
    )
    def post(self, request: Request) -> Response:
        user = cast(User, request.user)  # IsAuthenticated: never anonymous
        Token.objects.filter(user=user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
