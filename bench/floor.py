"""The like-for-like floor of the spend benchmark (bench settings only, never in the portal's URLs): the same
gunicorn, middleware, token authentication and role permission as POST /api/v1/pooling/spends/, doing one
locked update of a relation's quota use and nothing else (no payment code, no rules, no idempotency record,
no ledger, no audit). Spends/s of the portal divided by this says what the portal's rules cost."""

from django.db import connection, transaction
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.permissions import HasRole
from portal.roles import Role


class FloorSpendView(APIView):
    permission_classes = [HasRole(Role.INSTITUTION)]

    def post(self, request):
        amount = int(request.data["amount_fen"])
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE medical_pooling_relation SET used = used + %s WHERE id = %s AND status = 'active'"
                        " AND used + %s <= quota RETURNING used", [amount, int(request.data["relation"]), amount])
            row = cur.fetchone()
        if row is None:
            return Response({"detail": "refused"}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"used": row[0]}, status=status.HTTP_201_CREATED)
