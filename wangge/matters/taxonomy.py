"""The seeded categories of key small matters and the 2026 working calendar. Both are loaded by a data
migration and stay editable in the admin: seeding never overwrites a row that already exists.

SLA tuples are (accept, dispatch, resolve, verify), each (amount, unit).
"""

from __future__ import annotations

import datetime as dt

H, WH, WD = "hours", "work_hours", "work_days"
_STANDARD = ((2, WH), (2, WH), (3, WD), (1, WD))
_URGENT = ((0.5, H), (0.5, H), (24, H), (1, WD))
_EMERGENCY = ((0.25, H), (0.25, H), (4, H), (1, WD))

# (code, name, handler_role, handler_level, handler_org_kind, public, photos, sla, keywords, attributes)
GROUPS: list[tuple[str, str, list[tuple]]] = [
    ("property", "物业服务", [
        ("property-repair", "房屋及公共设施维修", "property_staff", "estate_grid", "", True, 0, _STANDARD,
         "维修,漏水,门禁,路灯", []),
        ("property-lift", "电梯故障", "property_staff", "estate_grid", "", True, 0, _URGENT, "电梯,困人", [
            ("trapped", "是否有人被困", "singlevaluelist", True, [("yes", "有人被困"), ("no", "无人被困")]),
            ("floor", "停在几楼", "number", False, []),
        ]),
        ("property-utilities", "水电气暖", "property_staff", "estate_grid", "", True, 0,
         ((1, WH), (1, WH), (1, WD), (1, WD)), "停水,停电,暖气,燃气", [
            ("kind", "哪一项", "singlevaluelist", True,
             [("water", "供水"), ("power", "供电"), ("gas", "燃气"), ("heating", "供暖")]),
        ]),
        ("property-cleaning", "保洁", "property_staff", "estate_grid", "", True, 0, _STANDARD, "卫生,楼道", []),
        ("property-greening", "绿化养护", "property_staff", "estate_grid", "", True, 0,
         ((4, WH), (4, WH), (5, WD), (1, WD)), "树木,草坪", []),
        ("property-parking", "停车管理", "property_staff", "estate_grid", "", True, 0, _STANDARD, "车位,乱停", [
            ("plate", "车牌号（如知道）", "string", False, []),
        ]),
        ("property-security", "秩序维护与门岗", "property_staff", "estate_grid", "", True, 0, _STANDARD,
         "门岗,保安,外来人员", []),
    ]),
    ("environment", "环境卫生", [
        ("env-garbage", "垃圾清运与分类", "micro_grid_member", "micro_grid", "", True, 0, _STANDARD, "垃圾,分类", []),
        ("env-clutter", "楼道堆物与乱贴乱画", "micro_grid_member", "micro_grid", "", True, 0, _STANDARD,
         "堆物,小广告", []),
        ("env-pests", "病媒消杀", "property_staff", "estate_grid", "", True, 0, _STANDARD, "老鼠,蟑螂,蚊虫", []),
    ]),
    ("order", "公共秩序", [
        ("order-fire-lane", "占用消防通道", "property_staff", "estate_grid", "", True, 1, _URGENT,
         "消防通道,堵塞", []),
        ("order-noise", "噪音扰民", "grid_member", "estate_grid", "", True, 0, _STANDARD, "噪音,装修,广场舞", [
            ("when", "通常在什么时间", "string", False, []),
        ]),
        ("order-construction", "违章搭建", "", "community", "housing_bureau", True, 1,
         ((1, WD), (1, WD), (10, WD), (2, WD)), "违建,私搭乱建", []),
        ("order-security", "治安隐患", "", "community", "police_station", False, 0,
         ((1, WH), (1, WH), (3, WD), (1, WD)), "治安,盗窃,可疑", []),
    ]),
    ("dispute", "邻里纠纷", [
        ("dispute-neighbour", "邻里矛盾", "grid_member", "estate_grid", "", False, 0,
         ((4, WH), (4, WH), (5, WD), (2, WD)), "矛盾,吵架", []),
        ("dispute-leak", "楼上楼下漏水", "grid_member", "estate_grid", "", False, 0,
         ((2, WH), (2, WH), (5, WD), (2, WD)), "渗水,漏水", []),
        ("dispute-fee", "物业费与服务纠纷", "grid_leader", "estate_grid", "", False, 0,
         ((1, WD), (1, WD), (10, WD), (2, WD)), "物业费", []),
    ]),
    ("care", "民生服务", [
        ("care-elderly", "独居老人关爱", "micro_grid_member", "micro_grid", "", False, 0,
         ((2, WH), (2, WH), (2, WD), (1, WD)), "老人,探访", []),
        ("care-assistance", "困难帮扶", "grid_member", "estate_grid", "", False, 0,
         ((1, WD), (1, WD), (5, WD), (2, WD)), "低保,救助", []),
        ("care-services", "证明与政策咨询", "grid_member", "community", "", False, 0,
         ((1, WD), (1, WD), (3, WD), (1, WD)), "证明,咨询,政策", []),
    ]),
    ("safety", "建设与安全隐患", [
        ("safety-building", "房屋安全隐患", "", "community", "housing_bureau", True, 1,
         ((2, WH), (2, WH), (5, WD), (2, WD)), "裂缝,危房,外墙", []),
        ("safety-ebike", "电动车违规充电", "micro_grid_member", "micro_grid", "", True, 1, _URGENT,
         "电动车,飞线充电", []),
        ("safety-fire-hazard", "消防隐患", "", "community", "fire_brigade", True, 1,
         ((1, WH), (1, WH), (2, WD), (1, WD)), "灭火器,消防栓", []),
    ]),
    ("emergency", "突发事件", [
        ("emergency-fire", "火情", "", "community", "fire_brigade", True, 0, _EMERGENCY, "着火,冒烟", []),
        ("emergency-flood", "水浸与管道爆裂", "property_staff", "estate_grid", "", True, 0, _EMERGENCY,
         "爆管,水浸", []),
        ("emergency-other", "其他突发情况", "grid_leader", "estate_grid", "", False, 0, _EMERGENCY, "", []),
    ]),
]

# Public holidays and make-up working days (调休) of 2026 as published by the State Council.
HOLIDAYS_2026: list[tuple[str, str, bool]] = [
    *[(f"2026-01-0{d}", "元旦", False) for d in (1, 2, 3)],
    ("2026-01-04", "元旦调休上班", True),
    ("2026-02-14", "春节调休上班", True),
    *[(f"2026-02-{d}", "春节", False) for d in range(15, 24)],
    ("2026-02-28", "春节调休上班", True),
    *[(f"2026-04-0{d}", "清明节", False) for d in (4, 5, 6)],
    *[(f"2026-05-0{d}", "劳动节", False) for d in range(1, 6)],
    ("2026-05-09", "劳动节调休上班", True),
    *[(f"2026-06-{d}", "端午节", False) for d in (19, 20, 21)],
    ("2026-09-20", "国庆节调休上班", True),
    *[(f"2026-09-{d}", "中秋节", False) for d in (25, 26, 27)],
    *[(f"2026-10-0{d}", "国庆节", False) for d in range(1, 8)],
    ("2026-10-10", "国庆节调休上班", True),
]


def seed(apps=None) -> tuple[int, int]:
    """Create the categories and holidays that are missing; returns (categories, holidays) created."""
    if apps is None:
        from django.apps import apps as django_apps

        apps = django_apps
    Category = apps.get_model("matters", "Category")
    Attribute = apps.get_model("matters", "CategoryAttribute")
    Holiday = apps.get_model("matters", "Holiday")
    created = 0
    for g_order, (g_code, g_name, leaves) in enumerate(GROUPS):
        group, made = Category.objects.get_or_create(code=g_code, defaults={"name": g_name, "order": g_order * 100})
        created += made
        for order, (code, name, role, level, org_kind, public, photos, slas, keywords, attributes) in enumerate(
            leaves
        ):
            defaults = {
                "name": name, "parent": group, "order": g_order * 100 + order + 1, "handler_role": role or "",
                "handler_level": level, "handler_org_kind": org_kind, "is_public": public,
                "photos_required": photos, "keywords": keywords,
            }
            for stage, (amount, unit) in zip(("accept", "dispatch", "resolve", "verify"), slas, strict=True):
                defaults[f"{stage}_sla"] = amount
                defaults[f"{stage}_unit"] = unit
            category, made = Category.objects.get_or_create(code=code, defaults=defaults)
            created += made
            if made:
                for a_order, (a_code, question, datatype, required, values) in enumerate(attributes):
                    Attribute.objects.create(
                        category=category, code=a_code, description=question, datatype=datatype, required=required,
                        values=[{"key": k, "name": n} for k, n in values], order=a_order,
                    )
    holidays = 0
    for day, name, workday in HOLIDAYS_2026:
        _row, made = Holiday.objects.get_or_create(
            date=dt.date.fromisoformat(day), defaults={"name": name, "is_workday": workday}
        )
        holidays += made
    return created, holidays
