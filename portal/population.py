"""Deterministic synthetic people at scale, for benchmarks (`manage.py generate_population`).

People are written with COPY in chunks (PostgreSQL only): valid resident ID numbers spread over the
real county list, names, birth dates. Each app then adds its own records set-based from these people
through `<app>/population.py: generate(ctx, stdout)`; portal imports no app.
"""

import datetime as dt
import io
import random
from dataclasses import dataclass

from django.db import connection
from pypinyin import lazy_pinyin

from . import pii
from .idnumber import check_char
from .models import Person, Region

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国民福德文志海红玉凤林辉鹏飞宇浩然欣怡佳琪子涵梓轩雨泽晨阳博思嘉慧颖婷雪梅亮斌春燕"


@dataclass
class PopulationContext:
    seed: int
    people: int
    first_person_id: int
    last_person_id: int
    counties: list[str]
    chunk: int


def _pinyin_table():
    return {ch: lazy_pinyin(ch)[0] for ch in set(SURNAMES + GIVEN)}


def generate_people(*, people: int, seed: int, chunk: int = 100_000, progress=None) -> PopulationContext:
    if connection.vendor != "postgresql":
        raise RuntimeError("generate_population writes with COPY and needs PostgreSQL")
    rng = random.Random(seed)
    counties = list(Region.objects.filter(level=Region.Level.COUNTY).values_list("code", flat=True).order_by("code"))
    rng.shuffle(counties)
    pinyin = _pinyin_table()
    base_day = dt.date(1940, 1, 1).toordinal()
    span = dt.date(2005, 12, 31).toordinal() - base_day
    n_counties = len(counties)
    table = Person._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        start_id = cur.fetchone()[0] + 1
        written = 0
        while written < people:
            size = min(chunk, people - written)
            buf = io.StringIO()
            for i in range(written, written + size):
                county = counties[i % n_counties]
                k = i // n_counties  # distinct k per county -> distinct (birth, order) per county
                # k < span and 7919 is prime: distinct k -> distinct birth date within one county,
                # so (county, birth date) is unique and the order code may be random.
                born = dt.date.fromordinal(base_day + (k * 7919) % span)
                sex_digit = rng.randrange(10)
                first17 = f"{county}{born:%Y%m%d}{rng.randrange(100):02d}{sex_digit}"
                number = first17 + check_char(first17)
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
                name_py = " ".join(pinyin[c] for c in name)
                sex = "M" if sex_digit % 2 else "F"
                # encrypted at rest (portal.pii): HMAC, ciphertext (bytea as \\x hex in COPY text), masked, last four
                mac, blob, masked = pii.seal(pii.ID, number)
                buf.write(f"{start_id + i}\t{mac}\t\\\\x{blob.hex()}\t{masked}\t{number[-4:]}\t{name}\t{name_py}\t"
                          f"{born.isoformat()}\t{sex}\t\\N\tnow\tnow\n")
            buf.seek(0)
            cur.copy_expert(
                f"COPY {table} (id, id_number_hmac, id_number_enc, id_number_masked, id_last4, name, name_pinyin, birth_date, "
                "sex, deceased_on, created_at, updated_at) "
                "FROM STDIN", buf,
            )
            written += size
            if progress:
                progress(written)
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    return PopulationContext(seed=seed, people=people, first_person_id=start_id, last_person_id=start_id + people - 1,
                             counties=counties, chunk=chunk)
