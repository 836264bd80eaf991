"""Report period parsing, the flat figure table, CSV (formula-neutralised) and XLSX exports."""

import csv
import datetime as dt
import io

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.money import yuan_str
from portal.tabular import neutralise


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    return today.replace(month=1, day=1), today


def rows(data: dict) -> list[tuple[str, str, object]]:
    """(section, label, value) — money already in yuan strings."""
    a, t, s, sh, v = data["applications"], data["temporary_aid"], data["street"], data["shelters"], data["visits"]
    d = data["disaster"]
    out = [
        (_("救助申请"), _("受理件数"), a["received"]),
        (_("救助申请"), _("确认件数"), a["confirmed"]),
        (_("救助申请"), _("不予认定件数"), a["rejected"]),
        (_("救助申请"), _("办理中件数"), a["pending"]),
        (_("临时救助"), _("救助人次"), t["person_times"]),
        (_("临时救助"), _("救助人数"), t["persons"]),
        (_("临时救助"), _("现金救助（元）"), yuan_str(t["cash"])),
        (_("临时救助"), _("实物救助（折合元）"), yuan_str(t["in_kind"])),
        (_("临时救助"), _("小额快救人次"), t["fast_track"]),
        (_("临时救助"), _("急难发生地救助人次"), t["non_resident"]),
        (_("街面救助"), _("巡查次数"), s["patrols"]),
        (_("街面救助"), _("应巡查次数（含寒潮加密）"), s["patrols_expected"]),
        (_("街面救助"), _("巡查未达要求天数"), s["days_short"]),
        (_("街面救助"), _("出动巡查人员（人次）"), s["patrol_person_times"]),
        (_("街面救助"), _("出动车辆"), s["vehicles_sent"]),
        (_("街面救助"), _("救助人次"), s["person_times"]),
        (_("街面救助"), _("发放物资（件）"), s["items"]),
        (_("街面救助"), _("发放食品（份）"), s["food"]),
        (_("街面救助"), _("发放衣物（件）"), s["clothing"]),
        (_("街面救助"), _("发放被褥（套）"), s["bedding"]),
        (_("街面救助"), _("护送入住人次"), s["sheltered"]),
        (_("街面救助"), _("联合护送人次"), s["escorted"]),
        (_("救助场所"), _("设立救助点位（个）"), sh["points"]),
        (_("救助场所"), _("避寒场所"), sh["warming"]),
        (_("救助场所"), _("救助点"), sh["stations"]),
        (_("救助场所"), _("求助引导点"), sh["guides"]),
        (_("救助场所"), _("入住人次"), sh["check_ins"]),
        (_("救助场所"), _("离站人次"), sh["check_outs"]),
        (_("救助场所"), _("当前在住人数"), sh["staying"]),
        (_("受灾人员救助"), _("灾害事件（起）"), d["events"]),
        (_("受灾人员救助"), _("受灾家庭（户）"), d["households"]),
        (_("受灾人员救助"), _("受灾人数（人）"), d["people"]),
        (_("受灾人员救助"), _("房屋倒塌户数"), d["collapsed"]),
        (_("受灾人员救助"), _("应急期生活救助人次"), d["emergency_times"]),
        (_("受灾人员救助"), _("应急期生活救助（元）"), yuan_str(d["emergency_amount"])),
        (_("受灾人员救助"), _("过渡期生活救助人次"), d["transition_times"]),
        (_("受灾人员救助"), _("过渡期生活救助（元）"), yuan_str(d["transition_amount"])),
        (_("受灾人员救助"), _("过渡期后待复核（户）"), d["review_open"]),
        (_("受灾人员救助"), _("复核纳入低保（户）"), d["to_dibao"]),
        (_("受灾人员救助"), _("复核纳入特困（户）"), d["to_tekun"]),
        (_("受灾人员救助"), _("复核给予临时救助（户）"), d["to_temporary"]),
        (_("受灾人员救助"), _("复核无需救助（户）"), d["no_need"]),
        (_("走访慰问"), _("走访次数"), v["visits"]),
        (_("走访慰问"), _("走访家庭户数"), v["households"]),
        (_("走访慰问"), _("慰问金（元）"), yuan_str(v["cash"])),
    ]
    return out


def as_json(data: dict) -> dict:
    t = dict(data["temporary_aid"])
    t["cash"], t["in_kind"] = yuan_str(t["cash"]), yuan_str(t["in_kind"])
    v = dict(data["visits"])
    v["cash"] = yuan_str(v["cash"])
    return {
        "region": data["region"], "start": data["start"].isoformat(), "end": data["end"].isoformat(),
        "applications": data["applications"], "temporary_aid": t, "street": data["street"],
        "shelters": data["shelters"], "visits": v,
        "disaster": {**data["disaster"], "emergency_amount": yuan_str(data["disaster"]["emergency_amount"]),
                     "transition_amount": yuan_str(data["disaster"]["transition_amount"])},
        "aid_by_region": [{**r, "amount": yuan_str(r["amount"])} for r in data["aid_by_region"]],
        "encounters_by_region": data["encounters_by_region"],
        "aid_by_kind": [{**r, "amount": yuan_str(r["amount"])} for r in data["aid_by_kind"]],
    }


def table(data: dict, region_name: str = "") -> list[list]:
    head = [[_("区域"), f"{region_name}（{data['region']}）"],
            [_("期间"), f"{data['start']:%Y-%m-%d} — {data['end']:%Y-%m-%d}"],
            [_("类别"), _("指标"), _("数值")]]
    body = [[sec, label, value] for sec, label, value in rows(data)]
    body.append([])
    body.append([_("临时救助分区域"), _("区域"), _("人次"), _("金额（元）")])
    body += [["", f"{r['name']}（{r['region_id']}）", r["person_times"], yuan_str(r["amount"])]
             for r in data["aid_by_region"]]
    return head + body


def to_csv(data: dict, region_name: str = "") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in table(data, region_name):
        writer.writerow([neutralise(c) for c in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(data: dict, region_name: str = "") -> bytes:
    # deliberately lazy: openpyxl is heavy and only this export needs it (not every process that loads reports)
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = _("救助业务统计")[:31]
    for row in table(data, region_name):
        ws.append([neutralise(c) for c in row])
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = 14
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
