from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.models import Region
from portal.selectors import region_children

from .serializers import RegionSerializer


class TokenView(ObtainAuthToken):
    """Exchange a username and password for an API token."""

    permission_classes = [AllowAny]
    throttle_scope = "anon"

    @extend_schema(
        request=inline_serializer("TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


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
