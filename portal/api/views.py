from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import tokens, twofactor
from portal.models import Region
from portal.selectors import region_children

from .auth import TokenClientThrottle, TokenUsernameThrottle
from .serializers import RegionSerializer


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label=_("Username"), write_only=True)
    password = serializers.CharField(label=_("Password"), style={"input_type": "password"},
                                     trim_whitespace=False, write_only=True)
    otp = serializers.CharField(label="动态验证码", required=False, allow_blank=True, write_only=True,
                                help_text="用户已绑定动态验证码（TOTP）时必填：当前 6 位验证码（或一个恢复码）")

    def validate(self, attrs):
        user = authenticate(request=self.context.get("request"), username=attrs["username"],
                            password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(_("Unable to log in with provided credentials."), code="authorization")
        if twofactor.has_device(user):
            if not (attrs.get("otp") or "").strip():
                raise serializers.ValidationError({"otp": [_("请填写动态验证码。")]}, code="otp_required")
            if twofactor.verify_code(user, attrs["otp"]) is None:
                raise serializers.ValidationError(
                    {"otp": [_("动态验证码不正确或已使用过，请输入验证器上的当前验证码。")]}, code="otp_invalid")
        elif twofactor.required_for(user) and settings.PORTAL_OTP_API_REQUIRES_DEVICE:
            raise serializers.ValidationError(
                {"otp": [_("该角色须使用动态验证码：请先在浏览器登录并绑定验证器。")]}, code="otp_not_enrolled")
        attrs["user"] = user
        return attrs


class TokenView(APIView):
    """Exchange a username and password (and, for a user with a TOTP device, the current code in `otp`)
    for a new API token; every call makes a new token, valid PORTAL_API_TOKEN_TTL_SECONDS."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TokenClientThrottle, TokenUsernameThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField(),
                                                     "expiry": serializers.DateTimeField()}),
            400: OpenApiResponse(description="用户名或密码错误，或缺少/错误的动态验证码；不签发令牌"),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        key, row = tokens.issue(serializer.validated_data["user"])
        return Response({"token": key, "expiry": serializers.DateTimeField().to_representation(row.expires_at)})


class WhoAmIView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "WhoAmI",
            {
                "username": serializers.CharField(),
                "role": serializers.CharField(),
                "region": serializers.CharField(allow_null=True),
            },
        )
    )
    def get(self, request):
        user = request.user
        return Response({"username": user.username, "role": user.role, "region": user.region_id})


class RegionListView(generics.ListAPIView):
    """Divisions: `?parent=CODE` for the children of one region (provinces when omitted)."""

    serializer_class = RegionSerializer
    permission_classes = [IsAuthenticated]
    queryset = Region.objects.none()

    def get_queryset(self):
        parent = self.request.query_params.get("parent")
        return region_children(parent).order_by("code")
