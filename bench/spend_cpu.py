"""CPU per pooled spend, measured in one process (issue 20): POST /api/v1/pooling/spends/ through the portal's
WSGI application as gunicorn calls it (token, Idempotency-Key, a fresh payment code each, bench settings:
persistent connection, Redis as cache and broker when REDIS_URL is set), N times in a row. On a shared
machine wall time says little; CPU time does. Reported per spend:

- python_ms: this process's CPU (time.process_time), i.e. what a gunicorn worker spends on the request;
- pg_ms: the CPU of the request's PostgreSQL backend (utime + stime from /proc/<pid>/stat, 10 ms ticks, so
  use a few hundred spends);
- redis_calls: Redis commands sent (cache and broker), each a round trip to a server that also burns CPU;
- fraud_ms / fraud_pg_ms: the queued fraud check, run here afterwards on the same spends (a Celery worker
  does it in production, on the same cores).

    DATABASE_URL=postgres://… REDIS_URL=redis://…/n python -m bench.spend_cpu --n 300 [--profile out.prof]

It writes to the database it is given (new insured persons, relations, spends): never a production one.
"""

import argparse
import io
import json
import os
import sys
import time
import uuid


def _ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--profile", help="write cProfile stats of the measured loop here")
    parser.add_argument("--no-fraud", action="store_true", help="skip running the fraud checks afterwards")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ["POOLING_SPEND_REFUSAL_LIMIT"] = str(args.n * 10)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from medical_pooling import services
    from medical_pooling.models import Spend
    from medical_pooling.tasks import check_spends_fraud
    from portal.models import Role, User
    from portal.queue import BATCH_SIZE, batched_keys, redis_client
    from portal.tokens import issue
    from portal.wsgi import application
    from tests.factories import PersonFactory, id_number_for

    tag = uuid.uuid4().hex[:6]
    officer = User.objects.create(username=f"cpu_officer_{tag}", role=Role.INSURANCE_OFFICER)
    inst = services.institution_ensure(code="H34160200001", name="亳州市人民医院")
    inst_user = User.objects.create(username=f"cpu_inst_{tag}", role=Role.INSTITUTION, institution_code=inst.code)
    token = issue(inst_user)[0]
    rels = []
    for _i in range(4):
        pooler_p = PersonFactory(region="610112", id_number=id_number_for("610112"))  # random: new each run
        ben_p = PersonFactory(region="341602", id_number=id_number_for("341602"))
        pooler = services.insured_create(actor=officer, id_number=pooler_p.id_number, name=pooler_p.name,
                                         scheme="employee", region="610100", balance=100_000_000)
        ben = services.insured_create(actor=officer, id_number=ben_p.id_number, name=ben_p.name, scheme="resident",
                                      region="341600")
        pooler_u = User.objects.create(username=f"cpu_p_{pooler.pk}_{tag}", role=Role.INSURED, person=pooler_p)
        ben_u = User.objects.create(username=f"cpu_b_{ben.pk}_{tag}", role=Role.INSURED, person=ben_p)
        rel = services.relation_create(actor=pooler_u, beneficiary_id_number=ben_p.id_number,
                                       beneficiary_name=ben_p.name, kinship="parent", quota=50_000_000)
        rels.append((services.relation_accept(actor=ben_u, relation=rel), ben_u))
    warm = 10
    settings.POOLING_PAYMENT_CODE_TTL = 3600
    codes = [services.payment_code_issue(actor=rels[i % 4][1], relation=rels[i % 4][0])[0]
             for i in range(args.n + warm)]
    del settings.POOLING_PAYMENT_CODE_TTL
    occurred = (timezone.now() - timezone.timedelta(hours=1)).isoformat()

    def environ(code):
        body = json.dumps({"payment_code": code, "category": "medical", "amount": "10.00",
                           "occurred_at": occurred}).encode()
        return {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/pooling/spends/", "QUERY_STRING": "",
                "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
                "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000", "CONTENT_TYPE": "application/json",
                "CONTENT_LENGTH": str(len(body)), "HTTP_AUTHORIZATION": f"Token {token}",
                "HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex, "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
                "wsgi.url_scheme": "http", "wsgi.version": (1, 0), "wsgi.multithread": False,
                "wsgi.multiprocess": True, "wsgi.run_once": False}

    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(int(status[:3]))

    def call(code):
        result = application(environ(code), start_response)
        b"".join(result)
        result.close()  # request_finished: what gunicorn does after writing the answer

    for code in codes[:warm]:
        call(code)
    assert statuses == [201] * warm, statuses
    import redis

    redis_calls = [0]
    plain, piped = redis.Redis.execute_command, redis.client.Pipeline.execute

    def counted(self, *a, **kw):
        redis_calls[0] += 1
        return plain(self, *a, **kw)

    def counted_pipe(self, *a, **kw):
        redis_calls[0] += 1
        return piped(self, *a, **kw)

    redis.Redis.execute_command, redis.client.Pipeline.execute = counted, counted_pipe
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    statuses.clear()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU, not waiting
    last_id = Spend.objects.order_by("-id").values_list("id", flat=True).first()
    pg0, cpu0, wall0 = _ticks(backend), time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for code in codes[warm:]:
        call(code)
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    connection.ensure_connection()
    same_backend = connection.connection.info.backend_pid == backend
    pg = (_ticks(backend) - pg0) / os.sysconf("SC_CLK_TCK")
    redis.Redis.execute_command, redis.client.Pipeline.execute = plain, piped
    if profiler:
        profiler.dump_stats(args.profile)
    n = args.n
    out = {"n": n, "accepted": statuses.count(201), "python_ms": cpu / n * 1000, "pg_ms": pg / n * 1000,
           "wall_ms": wall / n * 1000, "redis_calls": redis_calls[0] / n, "same_backend": same_backend,
           "profiled": bool(profiler)}
    if not args.no_fraud:
        ids = list(Spend.objects.filter(id__gt=last_id).values_list("id", flat=True))
        if profiler:
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
        pg0, cpu0 = _ticks(backend), time.process_time()
        for i in range(0, len(ids), BATCH_SIZE):  # as the drain hands them to the worker
            check_spends_fraud(ids[i:i + BATCH_SIZE])
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile + ".fraud")
        out["fraud_ms"] = (time.process_time() - cpu0) / len(ids) * 1000
        out["fraud_pg_ms"] = (_ticks(backend) - pg0) / os.sysconf("SC_CLK_TCK") / len(ids) * 1000
    if settings.REDIS_URL:  # the requests' queued checks were run above: nothing left for a worker
        redis_client().delete(*batched_keys("medical_pooling.check_spends_fraud"))
    out["total_ms"] = out["python_ms"] + out["pg_ms"] + out.get("fraud_ms", 0) + out.get("fraud_pg_ms", 0)
    out["loadavg"] = os.getloadavg()
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
