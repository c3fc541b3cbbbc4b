"""A year of key small matters (关键小事) in the demo subdistrict.

What is written: the 8 key small matters the article says the deliberation hall solved (`ARTICLE_MATTERS`),
the demo resident's own matters (so that the `resident` login has a history), a few matters set up for the
consoles (one of each open state, some red lights), and about 1,500 drawn at random over the 12 months
before the load: categories weighted and seasonal, channels mixed, points at the right unit, reporters
taken from the households of that unit.

Nothing goes through the services one step at a time — that would take minutes. Each matter is simulated
in memory under the same rules and then bulk-written: its path follows `lifecycle.ACTIONS`, every new
stage gets `sla.deadline(...)`, the handler comes from `routing.route`, and whenever a deadline passes
before the next step the sweep escalates it (`routing.next_rung`, an `Escalation` row, an `escalate`
event, a fresh deadline), exactly as `services.escalate` does. The sweep runs every minute; here it is
taken to have last run `SWEEP_GAP` before the load, so open matters whose deadline passed since then show
a red light until the next sweep escalates them.

Phone reporters without a login cannot rate through the API; in the demo their ratings stand for a
callback (回访) by the community.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

import shapely
import shapely.geometry
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from wangge.matters import routing, sla, taxonomy
from wangge.matters.lifecycle import ACTIONS, OPEN_STATES, STAGE_OF
from wangge.matters.models import (
    Category,
    Comment,
    Escalation,
    Event,
    Matter,
    Open311Client,
    Rating,
    Source,
    Stage,
    State,
)
from wangge.matters.open311.keys import client_create
from wangge.people.models import Duty, Person, Role
from wangge.registry.models import GridNode, Level, Resident, Unit

from .generator import FEATURED_CODE, SUBDISTRICT_CODE, Plan

S = State
SWEEP_GAP = dt.timedelta(hours=20)   # the periodic sweep last ran this long before the load
RANDOM_MATTERS = 1500                # drawn at random over the year (plus article, resident, showcase, duplicates)
OPEN311_CLIENT_NAME = "演示客户端"
OPEN311_CLIENT_KEY = "demo-open311-key"
DELIBERATION_KINDS = ("集中反映的迫切事", "协商协调的疑难事", "征求意见的重大事")


# -- the article's 8 solved key small matters ------------------------------------------------------------


@dataclass(frozen=True)
class ArticleMatter:
    """One of the 8 key small matters the article says were solved through the deliberation hall. The
    article gives only the number; these eight are drawn from what it describes (monitoring after vehicle
    damage and losses, night-time fires, the police station, the housing bureau and the fire brigade at
    the table). Each is raised on a deliberation day (the 10th), solved and rated 满意; its description
    starts with `title`."""

    key: str
    title: str
    kind: str               # one of DELIBERATION_KINDS
    category: str
    estate: str
    high_rise: bool         # placed at a high-rise building (lifts)
    description: str
    notes: dict[str, str]   # action → note
    hold_days: int          # 0: no hold; else the clock stops this many days (funds, equipment, residents' vote)
    rating_comment: str


def _article(key, title, kind, category, estate, description, notes, hold_days=0, rating="", high_rise=False):
    return ArticleMatter(key, title, kind, category, estate, high_rise,
                         f"{title}。红色物业议事厅每月10日议事，{kind}：{description}", notes, hold_days, rating)


ARTICLE_MATTERS: list[ArticleMatter] = [
    _article(
        "cameras", "金秋小区监控盲区多，车辆损毁、物品丢失时有发生", "集中反映的迫切事", "order-security", "金秋小区",
        "居民集中反映小区只有几个老旧摄像头，停车场和楼道都是盲区，近期多次发生车辆被划、电动车电瓶和快递丢失。"
        "议事厅邀请社区党委、物业、辖区派出所和居民代表共同议定：物业增设监控，派出所民警协助排查。",
        {"accept": "议事厅议定，社区党委牵头，派出所、物业配合办理", "start": "社区民警和物业到现场勘察监控点位",
         "hold": "增设监控需采购设备，等待物业采购到货", "resume": "监控设备已到货，恢复处置",
         "resolve": "新增高清摄像头覆盖停车场、出入口和各楼道，实现监控全覆盖；民警调取监控帮助业主找回电动车1辆",
         "verify": "网格长和居民代表现场查看，监控画面清晰、无盲区", "close": "在下月议事日向居民通报办理结果，办结"},
        hold_days=18, rating="装了监控，晚上停车放心多了，谢谢社区和民警",
    ),
    _article(
        "fire-safety", "康宁花园夜间突发火情后，楼道消防设施老化缺失", "集中反映的迫切事", "safety-fire-hazard", "康宁花园",
        "前不久夜间楼道杂物起火，居民在物业组织下共同扑灭。居民代表反映楼道灭火器过期、消防栓无水、楼道堆放杂物。"
        "议事厅邀请消防救援站、物业、党员楼栋长共同议定：全面排查消防设施，清理楼道堆物，组织消防演练。",
        {"accept": "议事厅议定，消防救援站联络员牵头", "start": "消防救援站联络员和物业逐栋排查消防设施",
         "resolve": "更换过期灭火器，恢复消防栓供水，清理楼道堆物；组织居民开展夜间火情应急演练",
         "verify": "网格长抽查各单元楼道，消防设施完好、通道畅通", "close": "办结，纳入物业每月消防巡查"},
        rating="楼道干净了，灭火器也换了新的，住着安心",
    ),
    _article(
        "lift", "锦绣苑高层电梯频繁停运困人", "协商协调的疑难事", "property-lift", "锦绣苑",
        "18层住宅电梯使用多年，一个月内停运多次，还发生过困人，老人上下楼困难。维修费用分摊各方意见不一。"
        "议事厅邀请物业、电梯维保单位、住建局和楼栋业主代表协商：由维修资金支付，更换老化部件。",
        {"accept": "议事厅协商一致，物业负责组织维修", "start": "电梯维保单位到场全面检测",
         "hold": "使用专项维修资金需业主表决，等待表决结果", "resume": "业主表决通过，维修资金到位，恢复处置",
         "resolve": "更换曳引钢丝绳和门机系统，电梯经检测合格后恢复运行",
         "verify": "网格长陪同业主代表试乘，运行平稳", "close": "办结，物业每周巡检电梯"},
        hold_days=21, rating="电梯修好了，老人上下楼方便了", high_rise=True,
    ),
    _article(
        "parking", "惠民家园停车难，私家车堵占消防通道", "征求意见的重大事", "property-parking", "惠民家园",
        "小区车位不足，晚上车辆停满消防通道。重新规划停车涉及每户利益，议事厅决定先征求全体居民意见。"
        "经楼栋管家逐户征求意见，议定重新施划车位、消防通道禁停并设置标识。",
        {"accept": "议事厅决定征求居民意见后实施", "start": "楼栋管家逐户征求意见，物业测量规划车位",
         "hold": "公示停车规划方案，征求意见7天", "resume": "公示期满，居民无异议，恢复处置",
         "resolve": "新施划车位46个，消防通道划黄色禁停线、设置标识牌，门岗引导外来车辆",
         "verify": "网格长夜间查看，消防通道畅通", "close": "办结，物业纳入日常巡查"},
        hold_days=9, rating="晚上回来有地方停车了，消防通道也通了",
    ),
    _article(
        "ebike", "西关新村电动车飞线充电多，存在火灾隐患", "集中反映的迫切事", "safety-ebike", "西关新村",
        "居民集中反映多栋楼有人从窗户拉电线给电动车充电，还有人把电动车推进楼道。议事厅邀请消防救援站、物业和"
        "党员楼栋长议定：建设集中充电棚，劝导拆除飞线。",
        {"accept": "议事厅议定，微网格员逐户劝导，物业建设充电棚", "start": "微网格员入户劝导，物业选址建设充电棚",
         "hold": "充电棚选址征求相邻楼栋意见", "resume": "选址确定，恢复处置",
         "resolve": "建成集中充电棚一处、充电桩20个，飞线全部拆除",
         "verify": "网格长巡查各楼栋，无飞线充电", "close": "办结"},
        hold_days=12, rating="有了充电棚，再也不用拉电线了",
    ),
    _article(
        "drainage", "建设小区老旧管网堵塞，一下雨就积水", "协商协调的疑难事", "property-repair", "建设小区",
        "建设小区是老旧小区，雨污管网多年未改造，每逢下雨楼前积水没过脚踝，一楼住户家里返水。"
        "议事厅邀请住建局、物业和居民代表协商：纳入老旧小区改造，先行疏通，再更换破损管段。",
        {"accept": "议事厅协商，住建局和物业共同办理", "start": "物业组织疏通管网，住建局勘察破损管段",
         "hold": "更换管段纳入老旧小区改造计划，等待住建局审批", "resume": "住建局审批通过，施工队进场",
         "resolve": "疏通雨污管网，更换破损管段，新增雨水井4处，雨后楼前不再积水",
         "verify": "雨后网格长现场查看，排水通畅", "close": "办结"},
        hold_days=20, rating="下雨天再也不用蹚水了",
    ),
    _article(
        "garbage", "金秋小区垃圾投放点设置，征求居民意见", "征求意见的重大事", "env-garbage", "金秋小区",
        "垃圾桶沿楼摆放，夏天异味大、乱扔多。推行垃圾分类、合并投放点涉及全体居民，议事厅决定征求意见。"
        "议定设置定时定点分类投放点，微网格员和志愿者值守引导。",
        {"accept": "议事厅决定征求居民意见后实施", "start": "微网格员逐户发放征求意见表",
         "hold": "投放点方案公示，征求意见", "resume": "公示期满，居民同意，恢复处置",
         "resolve": "设置分类投放点3处，定时投放，微网格员和志愿者轮流值守引导",
         "verify": "网格长查看，投放点整洁、分类准确", "close": "办结"},
        hold_days=8, rating="垃圾点干净了，楼下也没有味道了",
    ),
    _article(
        "facade", "建设小区外墙瓷砖空鼓脱落，威胁行人安全", "协商协调的疑难事", "safety-building", "建设小区",
        "楼体外墙瓷砖空鼓，多次有瓷砖掉落到人行道，险些砸到行人。维修涉及高空作业和费用分摊。"
        "议事厅邀请住建局、物业和楼栋业主代表协商：先设防护围挡，由住建局鉴定后修复。",
        {"accept": "议事厅协商，住建局联络员牵头办理", "start": "物业设置警示围挡，住建局技术人员现场鉴定",
         "hold": "等待高空作业施工队排期", "resume": "施工队进场，恢复处置",
         "resolve": "拆除空鼓瓷砖，外墙改为真石漆，撤除围挡",
         "verify": "网格长和业主代表现场验收", "close": "办结"},
        hold_days=14, rating="外墙修好了，走路不用提心吊胆了",
    ),
]


def article_matters():
    """The article's 8 matters as they are in the database."""
    from django.db.models import Q

    q = Q(pk__in=[])
    for a in ARTICLE_MATTERS:
        q |= Q(description__startswith=a.title)
    return Matter.objects.filter(q)


# -- what residents report -------------------------------------------------------------------------------
#
# code → (weight, items). An item is (description, what was done[, tag]); tags: a utilities kind, "trapped"
# for a lift with someone inside, "winter"/"summer" for seasonal items. Placeholders: {estate} {building}
# {unit} {floor} {upper} (the room above the reporter's).

CONTENT: dict[str, tuple[float, list[tuple]]] = {
    "property-repair": (15, [
        ("{building}{unit}楼道声控灯坏了好几天，晚上上下楼看不清，老人怕摔", "已更换楼道声控灯，照明正常"),
        ("{building}{unit}单元门门禁坏了，门一直关不上，外来人员随便进出", "已更换门禁电磁锁，门能正常关闭、刷卡开门"),
        ("{building}楼前路面塌了一个坑，下雨积水，骑车容易摔", "已用混凝土填平路面坑洼"),
        ("{building}{unit}楼道窗户玻璃碎了，风往楼道里灌", "已重新安装楼道窗户玻璃"),
        ("{building}北侧路灯不亮，晚上小区里黑乎乎的", "已更换路灯灯头和线路，恢复照明"),
        ("{building}{unit}楼顶防水层开裂，顶楼下雨天往屋里渗水", "已对楼顶开裂处做防水修补，雨后回访无渗漏"),
        ("{building}{unit}楼梯扶手松动，老人扶着不安全", "已加固楼梯扶手"),
        ("{building}{unit}信报箱门掉了好几个", "已更换信报箱门"),
    ]),
    "property-lift": (7, [
        ("{building}{unit}电梯停在{floor}楼不动了，按钮没反应", "电梯维保单位到场检修，更换门锁触点，试运行正常"),
        ("{building}{unit}电梯运行时异响，抖得厉害，不敢坐", "已调整导靴、润滑导轨，异响消除"),
        ("{building}{unit}电梯门关不严，一直反复开关", "已更换门机板，电梯门开关正常"),
        ("{building}{unit}电梯困人！有人被困在{floor}楼附近，请马上来人", "维保人员到场救出被困居民，检修后电梯恢复运行",
         "trapped"),
    ]),
    "property-utilities": (6, [
        ("{building}{unit}停水一上午了，没有看到停水通知", "供水管道阀门故障已修复，恢复供水", "water"),
        ("{building}{unit}自来水发黄，有股铁锈味", "已冲洗二次供水水箱并送检，水质合格", "water"),
        ("{building}{unit}楼道和几户家里停电了", "已更换烧坏的总闸，恢复供电", "power"),
        ("{building}{unit}{floor}楼暖气不热，屋里只有十四五度", "已为该单元暖气管道排气，室温恢复到18度以上",
         "heating"),
        ("{building}{unit}暖气漏水，阀门一直滴水", "已更换暖气阀门", "heating"),
        ("{building}{unit}楼道里有燃气味", "燃气公司到场检测，紧固了松动的接头，无泄漏", "gas"),
    ]),
    "property-cleaning": (8, [
        ("{building}{unit}楼道好几天没人打扫，地上都是灰和烟头", "保洁员已清扫楼道，并调整为每天清扫一次"),
        ("{building}{unit}楼梯上有狗的粪便，没人清理", "已清理干净，并在单元门口张贴文明养犬提示"),
        ("{building}门口的雨水口堵了，脏水漫到路上", "已疏通雨水口，清理淤泥"),
        ("{building}{unit}楼道扶手积灰，墙上贴满小广告", "已擦洗扶手，铲除小广告"),
    ]),
    "property-greening": (3, [
        ("{building}前面的树枝伸到窗户跟前，挡光还招虫", "已修剪树枝", "summer"),
        ("{building}旁边的草坪好久没修剪，草长得很高，蚊子多", "已修剪草坪并喷洒驱蚊药", "summer"),
        ("{building}前的树被大风刮倒，压在路边", "已清理倒伏树木，择期补种"),
    ]),
    "property-parking": (8, [
        ("{building}楼下有辆车长期停着不动，占了车位，像是僵尸车", "已联系车主挪走车辆"),
        ("{building}{unit}门口经常有车乱停，挡住单元门，轮椅推不出去", "已在单元门口施划禁停线，安装挡车桩"),
        ("外来车辆随便进小区，晚上回来没地方停车", "门岗已加强外来车辆登记，临时车辆限时停放"),
        ("有车停在{building}门口的盲道上", "已联系车主挪车，张贴文明停车提示"),
    ]),
    "property-security": (2, [
        ("小区东门晚上没人值班，门一直开着", "已安排保安夜间值守东门"),
        ("{building}附近经常有陌生人发小广告、推销", "门岗已加强外来人员登记，清理了小广告"),
    ]),
    "env-garbage": (8, [
        ("{building}旁边的垃圾桶满了溢出来，两天没人清运", "已清运，并增加一次清运频次"),
        ("垃圾站附近有异味，夏天特别明显", "已对垃圾站冲洗消毒", "summer"),
        ("有人把装修垃圾堆在{building}楼下", "已联系装修户清运装修垃圾"),
        ("{building}旁边的分类垃圾桶标识掉了，大家乱扔", "已更换分类标识，微网格员现场指导分类投放"),
    ]),
    "env-clutter": (5, [
        ("{building}{unit}楼道里堆了旧家具和纸箱，挡住通道", "已联系住户清理楼道堆物"),
        ("{building}{unit}单元门上贴满了开锁、通下水道的小广告", "已清理小广告"),
        ("{building}{unit}楼道里有辆旧自行车，好几个月没人动", "已张贴认领通知，期满无人认领后清理"),
    ]),
    "env-pests": (2, [
        ("{building}附近老鼠很多，晚上在垃圾桶边乱窜", "已投放鼠药、设置灭鼠盒"),
        ("{building}{unit}地下室积水，蚊子特别多", "已抽排地下室积水并喷洒消杀药", "summer"),
        ("{building}{unit}楼道里发现蟑螂", "已对楼道进行消杀", "summer"),
    ]),
    "order-fire-lane": (3, [
        ("{building}旁边的消防通道被私家车堵住了", "已联系车主挪车，并在消防通道施划禁停标线"),
        ("有人在{building}旁的消防通道上堆放建筑材料", "已督促施工户清理建筑材料"),
    ]),
    "order-noise": (7, [
        ("{upper}在装修，中午和晚上还在用电钻，影响休息", "已上门沟通，装修户承诺按规定时间施工"),
        ("{building}前面广场舞音响太大，晚上九点以后还在跳", "已与广场舞队协商，音量调小，九点前结束", "summer"),
        ("{upper}深夜经常拖动家具，声音很大", "网格员上门调解，楼上住户表示会注意"),
        ("小区门口的烧烤摊半夜还很吵", "已协调城管，摊位晚上十点前收摊", "summer"),
    ]),
    "order-construction": (1, [
        ("{building}一楼住户在院子里私自搭建彩钢房", "住建局认定为违章搭建，户主已自行拆除"),
        ("{building}楼顶有人搭建阳光房", "住建局下达整改通知，已拆除"),
    ]),
    "order-security": (1.5, [
        ("{building}楼下的电动车电瓶夜里被偷了", "社区民警已调取监控追查，提醒居民电动车入棚停放"),
        ("小区里有陌生人挨家挨户敲门推销，怀疑踩点", "社区民警已到小区巡查，加强夜间巡逻"),
        ("停在{building}旁边的车被人划了", "民警调取监控找到当事人，双方已协商赔偿"),
    ]),
    "dispute-neighbour": (2, [
        ("和{upper}邻居因为楼道放东西吵了起来，请社区帮忙调解", "网格员组织双方调解，达成一致"),
        ("邻居家的狗经常乱叫，出门也不拴绳", "已上门劝导，狗主人承诺外出拴绳"),
        ("{building}一楼住户在公共绿地种菜，邻居有意见", "经协调已恢复绿地"),
    ]),
    "dispute-leak": (6, [
        ("{upper}卫生间漏水，渗到我家天花板，墙皮都掉了", "网格员协调上下两户，物业维修工更换了楼上卫生间防水，双方就赔偿达成一致"),
        ("{upper}暖气管漏水，我家屋顶在滴水", "已关闸止水，楼上更换了漏水的暖气阀门", "winter"),
        ("{upper}厨房下水管漏，联系不上楼上业主", "网格员联系到房东，已维修下水管"),
    ]),
    "dispute-fee": (1.5, [
        ("物业费涨价没有公示，想了解收费依据", "网格长组织物业公示收费标准和服务内容，已向居民解释"),
        ("车位管理费收费不合理", "物业已按备案标准调整收费"),
    ]),
    "care-elderly": (3, [
        ("{building}{unit}一位独居老人两天没出门，电话也没人接，邻居担心", "微网格员上门查看，老人身体不适，已联系家属送医"),
        ("入户走访发现{building}{unit}独居老人家燃气灶老化", "已帮老人更换燃气灶，加装燃气报警器"),
        ("{building}{unit}独居老人行动不便，需要帮忙代买药品和生活用品", "已安排志愿者每周上门代购"),
    ]),
    "care-assistance": (1, [
        ("家里老人生病住院，生活困难，想了解能不能申请临时救助", "已协助提交临时救助申请，已获批"),
        ("家里有残疾人，想申请卫生间无障碍改造", "已协助申请，完成卫生间扶手安装"),
    ]),
    "care-services": (2, [
        ("想开居住证明，不知道要带什么材料", "已告知所需材料，居民已到社区办理"),
        ("咨询高龄补贴怎么申领", "已上门讲解政策并协助申领"),
        ("咨询城乡居民医保怎么缴费", "已告知缴费渠道，协助在手机上缴费"),
    ]),
    "safety-building": (1, [
        ("{building}外墙瓷砖脱落，掉在人行道上", "物业设置警示围挡，住建局联系施工队拆除松动瓷砖后修复"),
        ("{building}{unit}楼梯间墙体出现裂缝", "住建局技术人员鉴定为非结构性裂缝，已修补"),
    ]),
    "safety-ebike": (3, [
        ("{building}{unit}有人从楼上拉电线给电动车充电", "已劝导住户拆除飞线，引导到集中充电点充电"),
        ("有人把电动车推进{building}{unit}楼道充电", "已劝离，张贴禁止楼道充电提示"),
    ]),
    "safety-fire-hazard": (1, [
        ("{building}{unit}楼道灭火器过期了", "消防救援站联络员检查后，物业已更换灭火器"),
        ("{building}旁边的消防栓没水", "已协调供水公司恢复消防栓供水"),
    ]),
    "emergency-fire": (0.3, [
        ("{building}{unit}楼道杂物着火冒烟！", "物业组织居民用灭火器扑灭，消防救援站到场排查，无人员受伤"),
        ("{building}旁边的垃圾桶着火了", "保安和居民用灭火器扑灭，已清理现场"),
    ]),
    "emergency-flood": (0.5, [
        ("{building}{unit}地下室水管爆裂，水漫出来了", "已关闭总阀，抢修更换爆裂管段，抽排积水"),
        ("暴雨后{building}门口积水没过脚踝", "已开泵抽排积水，疏通雨水井", "summer"),
    ]),
    "emergency-other": (0.3, [
        ("{building}{unit}有老人在楼道摔倒，需要帮忙", "网格员和邻居送老人就医，已联系家属"),
        ("{building}楼顶广告牌被大风吹得松动，随时可能掉下来", "已拆除松动广告牌"),
    ]),
}

_IN_HOME = {"property-utilities", "order-noise", "dispute-neighbour", "dispute-leak", "care-elderly",
            "care-assistance", "care-services", "dispute-fee"}
_PATROL_KINDS = {"env-garbage", "env-clutter", "order-fire-lane", "safety-ebike", "property-greening",
                 "property-cleaning", "property-parking", "safety-fire-hazard"}
_HOLDABLE = {"property-repair", "property-lift", "property-utilities", "dispute-leak", "dispute-fee",
             "order-construction", "safety-building", "property-parking", "care-assistance"}
_MERGEABLE = {"property-lift", "env-garbage", "property-repair", "property-parking", "order-fire-lane",
              "property-utilities", "order-noise", "property-cleaning"}

_SOURCES_DEFAULT = [(Source.RESIDENT, 56), (Source.VISIT, 10), (Source.PATROL, 9), (Source.HOTLINE, 16),
                    (Source.API, 6), (Source.OPEN311, 3)]
_SOURCES = {
    "care": [(Source.VISIT, 60), (Source.RESIDENT, 20), (Source.HOTLINE, 15), (Source.API, 5)],
    "patrol": [(Source.PATROL, 30), (Source.RESIDENT, 44), (Source.VISIT, 4), (Source.HOTLINE, 12), (Source.API, 6),
               (Source.OPEN311, 4)],
    "emergency": [(Source.RESIDENT, 60), (Source.HOTLINE, 25), (Source.PATROL, 15)],
    "dispute": [(Source.RESIDENT, 45), (Source.VISIT, 25), (Source.HOTLINE, 25), (Source.API, 5)],
}

_ACCEPT_NOTES = ["", "", "已受理", "收到，马上安排", "已受理，已通知处置人"]
_DISPATCH_NOTES = ["", "", "请尽快处理", "请按时限办结", "请上门查看后处理"]
_START_NOTES = {
    "property": ["维修工已到现场查看", "已联系物业维修", "已安排物业人员处理", "物业人员已到场"],
    "micro": ["已到现场查看", "微网格员已到现场", "已上门了解情况"],
    "grid": ["已上门了解情况", "网格员已联系双方", "已约好时间上门"],
    "liaison": ["联络员已到现场", "已联系相关单位到场处理"],
}
_VERIFY_NOTES = ["现场核查，已解决", "已电话回访居民，确认解决", "网格员现场查看，处理到位", ""]
_CLOSE_NOTES = ["办结", "予以结案", "", ""]
_HOLDS = [("等待配件到货", "配件已到，恢复处置"), ("需业主共同商议，已约定在议事日讨论", "已商定处理方案，恢复处置"),
          ("涉及专项维修资金，等待业主表决", "业主表决通过，恢复处置"), ("等待供水、供暖单位统一检修", "检修时间已确定，恢复处置")]
_REWORK_NOTES = ["核查发现问题仍然存在，请返工", "回访时居民反映还没修好，请重新处理", "现场核查处理不彻底，需返工"]
_REJECT_NOTES = ["经核实，属于住户屋内自用部位维修，请自行联系维修", "该路段属于市政道路，已告知居民拨打12345反映",
                 "经现场核实，未发现所述问题", "属于开发商保修范围，已告知居民联系开发商"]
_WITHDRAW_NOTES = ["问题已自行解决", "家里人已经修好了", "不需要了，谢谢", ""]
_MERGE_NOTES = ["与先前上报的同一问题合并处理", "同一问题已有居民上报，合并处理"]
_SUPERVISE_NOTES = ["已超时，请抓紧办理，今天内回复居民", "居民多次反映，请加快处置", "请优先处理，办结后报我"]
_RATING_COMMENTS = {
    Rating.SATISFIED: ["", "", "", "处理很及时，谢谢！", "师傅态度很好", "谢谢社区，问题解决了", "很满意"],
    Rating.BASIC: ["解决了，就是等的时间有点长", "还行，希望下次快一点", ""],
    Rating.UNSATISFIED: ["问题没有彻底解决，还是老样子", "处理太慢了，催了好几次", "修完没两天又坏了"],
}
_PUBLIC_COMMENTS = ["请问什么时候能来处理？", "师傅已经来看过了，谢谢", "麻烦快一点，家里有老人", "今天又出现了"]
_INTERNAL_COMMENTS = ["已联系维保单位，约好明天上午到", "该户是独居老人，上门前先电话联系", "同类问题本月第二次，需从根本上解决",
                      "已和物业项目经理沟通"]
_NOISE_WHEN = ["晚上十点以后", "中午午休时间", "周末早上", "每天晚上"]
_HOTLINE_PREFIX = "12345热线转办："


# -- what the simulation reads from the database -----------------------------------------------------------


@dataclass
class _Home:
    household_id: int
    floor: int
    room: str
    adults: list[tuple[str, str]]   # (name, phone) of residents aged 18+ with a phone


@dataclass
class _Spot:
    """A unit: where a matter is, who lives there."""

    unit_id: int
    unit: str
    index: int      # 0-based position of the unit along its building, west to east
    count: int      # units in the building
    building: str
    floors: int
    estate: str
    lon: float      # building centre
    lat: float
    micro: GridNode
    homes: list[_Home] = field(default_factory=list)


@dataclass(frozen=True)
class _Who:
    label: str
    user_id: int | None = None
    person_id: int | None = None


SYSTEM = _Who("系统")


class _World:
    """Everything the simulation needs from the database, read once; routing answers are cached."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.subdistrict = GridNode.objects.get(code=SUBDISTRICT_CODE)
        path = self.subdistrict.path
        self.nodes = {n.pk: n for n in GridNode.objects.filter(path__startswith=path)}
        if not Category.objects.exists():  # a database flushed after its migrations (tests)
            taxonomy.seed()
        self.categories = {c.code: c for c in Category.objects.filter(children__isnull=True, active=True)}
        self.spots = self._spots(path)
        users = dict(Person.objects.filter(user__isnull=False).values_list("pk", "user_id"))
        self.persons: dict[int, _Who] = {
            pk: _Who(name[:60], users.get(pk), pk)
            for pk, name in Person.objects.filter(duties__grid__path__startswith=path).values_list("pk", "name")
        }
        self.by_role: dict[tuple[str, int], list[int]] = {}
        for role, grid_id, person_id in (
            Duty.objects.current(now).filter(grid__path__startswith=path).order_by("start", "id")
            .values_list("role", "grid_id", "person_id")
        ):
            self.by_role.setdefault((role, grid_id), []).append(person_id)
        User = get_user_model()
        self.logins = {
            u.username: u for u in User.objects.filter(username__in=["resident", "microgrid", "gridmember",
                                                                      "gridleader", "secretary"])
            .select_related("person__resident__household")
        }
        clients = Open311Client.objects.filter(subdistrict=self.subdistrict, revoked_at__isnull=True).order_by("id")
        self.open311 = clients.filter(name=OPEN311_CLIENT_NAME).first() or clients.first()
        self._routes: dict = {}
        self._ladders: dict[int, list[routing.Handler]] = {}
        self._shapes: dict = {}

    def _spots(self, path: str) -> list[_Spot]:
        rows = list(
            Unit.objects.filter(micro_grid__path__startswith=path)
            .values_list("id", "name", "building_id", "building__name", "building__floors", "building__lon",
                         "building__lat", "building__estate_grid__name", "micro_grid_id")
            .order_by("building_id", "name", "id")
        )
        per_building: dict[int, int] = {}
        for row in rows:
            per_building[row[2]] = per_building.get(row[2], 0) + 1
        spots: dict[int, _Spot] = {}
        seen: dict[int, int] = {}
        for uid, name, bid, bname, floors, lon, lat, estate, micro_id in rows:
            index = seen.get(bid, 0)
            seen[bid] = index + 1
            spots[uid] = _Spot(uid, name, index, per_building[bid], bname, floors, estate, lon, lat,
                               self.nodes[micro_id])
        homes: dict[int, _Home] = {}
        adult_born = self.now.date().replace(year=self.now.year - 18, day=min(self.now.day, 28))
        for hid, uid, floor, room, name, phone, born in (
            Resident.objects.filter(left_at__isnull=True, household__unit_id__in=list(spots))
            .values_list("household_id", "household__unit_id", "household__floor", "household__room", "name",
                         "phone", "birth_date")
            .order_by("household_id", "id")
        ):
            home = homes.get(hid)
            if home is None:
                home = homes[hid] = _Home(hid, floor, room, [])
                spots[uid].homes.append(home)
            if phone and born is not None and born <= adult_born:
                home.adults.append((name, phone))
        return [s for s in spots.values() if any(h.adults for h in s.homes)]

    # -- people ---------------------------------------------------------------------------------------
    def who(self, person_id: int | None) -> _Who | None:
        if person_id is None:
            return None
        return self.persons.get(person_id) or _Who(Person.objects.get(pk=person_id).name[:60], None, person_id)

    def holder(self, role: str, grid_id: int, n: int = 0) -> _Who | None:
        people = self.by_role.get((role, grid_id)) or []
        return self.who(people[n % len(people)]) if people else None

    def estate(self, micro: GridNode) -> GridNode:
        return self.nodes[micro.parent_id]

    def area(self, micro: GridNode) -> GridNode:
        return self.nodes[self.estate(micro).parent_id]

    def community(self, micro: GridNode) -> GridNode:
        return self.nodes[self.area(micro).parent_id]

    def login_person(self, username: str) -> _Who | None:
        user = self.logins.get(username)
        person = getattr(user, "person", None) if user else None
        return self.who(person.pk) if person else None

    # -- routing, cached (each call queries) ---------------------------------------------------------
    def route(self, category: Category, grid: GridNode) -> routing.Handler | None:
        """`routing.route`, asked once per rule and place. A rule that starts above the micro-grid looks
        only at the estate and above (and falls back to the area's grid leader), so every micro-grid of an
        estate gets the same answer."""
        place = grid.pk if category.handler_level == Level.MICRO_GRID else grid.parent_id
        key = (category.handler_role, category.handler_level, category.handler_org_kind, place)
        if key not in self._routes:
            self._routes[key] = routing.route(category, grid, at=self.now)
        return self._routes[key]

    def ladder(self, grid: GridNode) -> list[routing.Handler]:
        if grid.pk not in self._ladders:
            self._ladders[grid.pk] = routing.ladder(grid, at=self.now)
        return self._ladders[grid.pk]

    def next_rung(self, grid: GridNode, rank: tuple[int, int], exclude: int | None) -> routing.Handler | None:
        """`routing.next_rung` on the cached ladder."""
        return next((h for h in self.ladder(grid) if h.rank > rank and h.person.pk != exclude), None)

    def first_leader(self, grid: GridNode) -> routing.Handler | None:
        """`routing.first_leader` on the cached ladder."""
        return next((h for h in self.ladder(grid) if h.role == Role.GRID_LEADER), None)

    def contains(self, micro: GridNode, lon: float, lat: float) -> bool:
        shape = self._shapes.get(micro.pk)
        if shape is None:
            shape = self._shapes[micro.pk] = shapely.geometry.shape(micro.boundary)
            shapely.prepare(shape)
        return shape.contains(shapely.Point(lon, lat))


# -- one matter, simulated ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Step:
    """An Event row before it is written (plain, so that fourteen thousand of them cost nothing)."""

    at: dt.datetime
    action: str
    from_state: str
    to_state: str
    user_id: int | None
    label: str
    note: str
    data: dict
    public: bool


class _Sim:
    """A matter moving through the state machine in memory, mirroring services.py step for step."""

    def __init__(self, gen: _Generator, *, category: Category, grid: GridNode, at: dt.datetime, source: str,
                 description: str, reporter: _Who, actor: _Who, resolution: str = "", **fields):
        self.gen = gen
        self.rng = gen.rng
        self.category = category
        self.grid = grid
        self.resolution = resolution
        self.reporter = reporter
        self.t = at
        self.limit = gen.now          # steps planned after this do not happen (yet)
        self.squeeze = False          # True: steps planned after `limit` are pulled in before it
        self.events: list[_Step] = []
        self.escalations: list[Escalation] = []
        self.comments: list[Comment] = []
        self.links: list[tuple[_Step, str, _Sim]] = []   # event data that needs another matter's id
        self.merged_into: _Sim | None = None
        self.handling: GridNode | None = None
        self.spot: _Spot | None = None
        self.home: _Home | None = None
        self.closed_until: dt.datetime | None = None      # when it left the open states
        handler = gen.world.route(category, grid)
        self.m = Matter(
            category=category, source=source, description=description, grid_id=grid.pk,
            subdistrict_id=grid.subdistrict_id, created_at=at, updated_at=at,
            reporter_user_id=reporter.user_id, **fields,
        )
        self._enter(S.REPORTED, at)
        self._event("report", actor, at, to_state=S.REPORTED, data={"source": source})
        if handler is not None:
            self._assign(handler.person.pk, handler.role, handler.grid)
            self._event("assign", actor, at, data={"to": handler.person.pk, "role": handler.role}, public=False)

    # -- the rules of services.py ---------------------------------------------------------------------
    def _enter(self, state: str, at: dt.datetime) -> None:
        m = self.m
        m.state = state
        stage = STAGE_OF.get(state, "")
        if stage != m.stage:
            m.stage = stage
            m.deadline = sla.deadline(self.category, stage, at) if stage else None
            m.deadline_seq += 1
            if stage == Stage.RESOLVE and m.resolve_due is None:
                m.resolve_due = m.deadline
        if state not in OPEN_STATES and self.closed_until is None:
            self.closed_until = at
        elif state in OPEN_STATES:
            self.closed_until = None

    def _assign(self, person_id: int, role: str, grid: GridNode) -> None:
        self.m.assignee_id, self.m.assignee_role, self.m.handling_grid_id = person_id, role, grid.pk
        self.handling = grid

    def _event(self, action: str, who: _Who, at: dt.datetime, *, from_state: str = "", to_state: str = "",
               note: str = "", data: dict | None = None, public: bool = True) -> _Step:
        event = _Step(at, action, from_state, to_state, who.user_id, who.label[:60], note, data or {}, public)
        self.events.append(event)
        return event

    def sweep_until(self, until: dt.datetime) -> None:
        """Escalate every deadline that passed before `until`, as the minute-by-minute sweep would have."""
        limit = min(until, self.gen.swept_until)
        for _ in range(12):
            m = self.m
            if m.state not in STAGE_OF or m.deadline is None:
                return
            at = m.deadline + dt.timedelta(seconds=self.rng.uniform(3, 58))
            if at >= limit:
                return
            self._escalate(at)

    def _escalate(self, at: dt.datetime) -> None:
        m, world = self.m, self.gen.world
        handler = world.next_rung(self.grid, routing.rank(self.handling, m.assignee_role), m.assignee_id)
        self.escalations.append(Escalation(
            deadline_seq=m.deadline_seq, stage=m.stage, deadline=m.deadline, at=at, from_person_id=m.assignee_id,
            to_person_id=handler.person.pk if handler else None,
            to_grid_id=handler.grid.pk if handler else m.handling_grid_id,
        ))
        previous = m.assignee_id
        if handler is not None:
            self._assign(handler.person.pk, handler.role, handler.grid)
        m.escalation_level += 1
        m.breached = True
        m.deadline = sla.deadline(self.category, m.stage, at)
        m.deadline_seq += 1
        m.updated_at = at
        self._event("escalate", SYSTEM, at, note=f"{Stage(m.stage).label}超时，升级处理",
                    data={"from": previous, "to": handler.person.pk if handler else None, "stage": m.stage},
                    public=False)

    def act(self, action: str, at: dt.datetime, who: _Who, note: str = "") -> None:
        spec = ACTIONS[action]
        m = self.m
        if m.state not in spec.sources:
            raise RuntimeError(f"demo matter: {action} from {m.state}")  # pragma: no cover
        self.sweep_until(at)
        from_state = m.state
        if action == "hold":
            m.held_state = from_state
            m.held_remaining_s = sla.remaining_s(self.category, m.stage, m.deadline, at) if m.deadline else None
            stage = m.stage
            self._enter(S.ON_HOLD, at)
            m.stage, m.deadline = stage, None
        elif action == "resume":
            state, remaining = m.held_state, m.held_remaining_s
            m.state = state
            self.closed_until = None
            m.deadline = sla.resume_deadline(self.category, m.stage, at, remaining) if remaining is not None else None
            m.deadline_seq += 1
            m.held_state, m.held_remaining_s = "", None
        else:
            if action == "rework":
                m.rework_count += 1
                m.stage = ""
            self._enter(spec.target, at)
        if action == "resolve":
            m.resolved_at = at
        elif action == "close":
            m.closed_at = at
        self._event(action, who, at, from_state=from_state, to_state=m.state, note=note)
        m.updated_at = at
        self.t = at

    def rate(self, at: dt.datetime, rating: str, comment: str) -> None:
        m = self.m
        if m.state != S.CLOSED:
            raise RuntimeError("demo matter: rate before close")  # pragma: no cover
        m.rating, m.rating_comment, m.rated_at = rating, comment, at
        reopen = rating == Rating.UNSATISFIED and not m.reopened
        if reopen:
            m.reopened = True
            m.rework_count += 1
            m.stage = ""
            self._enter(S.REWORK, at)
        else:
            self._enter(S.EVALUATED, at)
        m.updated_at = at
        self._event("rate", self.reporter, at, from_state=S.CLOSED, to_state=m.state, note=comment,
                    data={"rating": rating})
        if reopen:
            leader = self.gen.world.first_leader(self.grid)
            if leader is not None:
                previous = m.assignee_id
                self._assign(leader.person.pk, leader.role, leader.grid)
                self._event("assign", SYSTEM, at, note="居民不满意，请网格长复核",
                            data={"from": previous, "to": leader.person.pk}, public=False)
        self.t = at

    def merge(self, at: dt.datetime, target: _Sim, who: _Who, note: str) -> None:
        m = self.m
        if m.state not in ACTIONS["merge"].sources or not target.is_open_at(at):
            raise RuntimeError("demo matter: bad merge")  # pragma: no cover
        self.sweep_until(at)
        from_state = m.state
        self.merged_into = target
        self._enter(S.MERGED, at)
        m.updated_at = at
        self.links.append((self._event("merge", who, at, from_state=from_state, to_state=S.MERGED, note=note,
                                       data={}), "into", target))
        target.links.append((target._event("absorb", who, at, note=note, data={}), "from", self))
        self.t = at

    def supervise(self, at: dt.datetime, who: _Who, note: str) -> None:
        self.sweep_until(at)
        self.m.supervised_at = at
        self.m.supervised_by_id = who.person_id
        self.m.updated_at = max(self.m.updated_at, at)
        self._event("supervise", who, at, note=note, public=False)

    def comment(self, at: dt.datetime, who: _Who, body: str, internal: bool) -> None:
        self.comments.append(Comment(author_user_id=who.user_id, author_label=who.label[:60], body=body,
                                     internal=internal, at=at))

    def first_closed(self) -> dt.datetime | None:
        """When it first left the open states (None: it never did)."""
        return next((e.at for e in self.events if e.to_state and e.to_state not in OPEN_STATES), None)

    def is_open_at(self, at: dt.datetime) -> bool:
        """Open at `at`, going by its own events (its later steps are already simulated)."""
        state = None
        for event in self.events:
            if event.at > at:
                break
            if event.to_state:
                state = event.to_state
        return state in OPEN_STATES

    def finish(self) -> None:
        self.sweep_until(self.gen.now)


# -- the generator ---------------------------------------------------------------------------------------


class _Generator:
    def __init__(self, world: _World, seed: int):
        self.world = world
        self.now = world.now
        self.swept_until = world.now - SWEEP_GAP
        self.rng = random.Random(f"{seed}:matters")
        self.cal = sla.calendar()
        self.tz = timezone.get_default_timezone()
        self.sims: list[_Sim] = []
        self._tower_spots = [s for s in world.spots if s.floors >= 11]

    # -- time -------------------------------------------------------------------------------------------
    def span(self, start: dt.datetime, end: dt.datetime, u: float, unit: str) -> dt.datetime:
        """The moment `u` of the way from start to end, counted in the stage's kind of time (working
        time for working units, so that nobody accepts a matter at 3 a.m.)."""
        if end <= start:
            return start + dt.timedelta(minutes=1)
        if unit != "hours":
            seconds = self.cal.working_seconds(start, end)
            if seconds > 0:
                return self.cal.add_working_seconds(start, seconds * u)
        return start + (end - start) * u

    def exit_time(self, s: _Sim, late: bool, lo: float = 0.08, hi: float = 0.85) -> dt.datetime:
        """When the matter leaves the stage it is in: before the deadline, or (late) after it."""
        m = s.m
        amount, unit = s.category.sla(m.stage)
        if not late:
            at = self.span(s.t, m.deadline, self.rng.uniform(lo, hi), unit)
        else:
            k = self.rng.uniform(0.25, 0.9) if self.rng.random() < 0.8 else self.rng.uniform(1.1, 1.8)
            at = self.cal.add(m.deadline, amount * k, unit) + dt.timedelta(minutes=self.rng.uniform(2, 40))
        return max(at, s.t + dt.timedelta(minutes=self.rng.uniform(1, 6)))

    def working_gap(self, s: _Sim, lo_s: float, hi_s: float) -> dt.datetime:
        return self.cal.add_working_seconds(s.t, self.rng.uniform(lo_s, hi_s)) + dt.timedelta(
            seconds=self.rng.uniform(20, 300))

    def natural_gap(self, s: _Sim, lo_h: float, hi_h: float, day_only: bool = True) -> dt.datetime:
        at = s.t + dt.timedelta(hours=self.rng.uniform(lo_h, hi_h))
        local = at.astimezone(self.tz)
        if day_only and not 7 <= local.hour < 22:
            at = local.replace(hour=self.rng.randint(7, 10), minute=self.rng.randint(0, 59))
            if at <= s.t:
                at += dt.timedelta(days=1)
        return at

    def clock(self, day: dt.date, source: str, code: str) -> dt.datetime:
        r = self.rng
        if code.startswith("emergency"):
            hour = r.randint(0, 23)
        elif source in (Source.VISIT, Source.PATROL, Source.DELIBERATION):
            hour = r.choice([8, 9, 9, 10, 10, 11, 14, 15, 15, 16, 16, 17])
        elif source == Source.HOTLINE:
            hour = r.randint(8, 17)
        else:
            hour = r.choices(range(6, 24), weights=[2, 6, 9, 9, 8, 7, 6, 5, 6, 6, 6, 7, 8, 9, 9, 7, 4, 2])[0]
        return dt.datetime(day.year, day.month, day.day, hour, r.randint(0, 59), r.randint(0, 59), tzinfo=self.tz)

    # -- who acts -------------------------------------------------------------------------------------
    def grid_member(self, s: _Sim) -> _Who:
        w = self.world
        return w.holder(Role.GRID_MEMBER, w.estate(s.grid).pk) or self.leader(s)

    def leader(self, s: _Sim) -> _Who:
        w = self.world
        return w.holder(Role.GRID_LEADER, w.area(s.grid).pk) or self.secretary(s)

    def secretary(self, s: _Sim | None = None, grid: GridNode | None = None) -> _Who:
        w = self.world
        community = w.community(grid or s.grid)
        return w.holder(Role.TWO_COMMITTEE_MEMBER, community.pk) or SYSTEM

    def assignee(self, s: _Sim) -> _Who:
        return self.world.who(s.m.assignee_id) or self.grid_member(s)

    def by(self, s: _Sim, action: str) -> _Who:
        r = self.rng
        if action in ("accept", "dispatch"):
            return self.assignee(s) if r.random() < 0.65 else self.grid_member(s)
        if action in ("start", "resolve"):
            return self.assignee(s)
        if action in ("verify", "rework", "reject", "merge"):
            return self.grid_member(s) if r.random() < 0.75 else self.leader(s)
        if action == "close":
            return self.leader(s) if r.random() < 0.6 else self.grid_member(s)
        if action in ("hold", "resume"):
            return self.leader(s)
        if action == "withdraw":
            return s.reporter if s.reporter.label else self.grid_member(s)
        raise ValueError(action)  # pragma: no cover

    def start_note(self, s: _Sim) -> str:
        role = s.m.assignee_role
        kind = {Role.PROPERTY_STAFF: "property", Role.MICRO_GRID_MEMBER: "micro",
                Role.JOINT_UNIT_LIAISON: "liaison"}.get(role, "grid")
        return self.rng.choice(_START_NOTES[kind])

    # -- steps ------------------------------------------------------------------------------------------
    def step(self, s: _Sim, action: str, at: dt.datetime, note: str | None = None, who: _Who | None = None) -> bool:
        """Take `action` at `at` unless that is after the matter's limit (then it has not happened yet)."""
        if at > s.limit:
            if not s.squeeze or s.limit <= s.t:
                return False
            at = s.t + (s.limit - s.t) * self.rng.uniform(0.3, 0.8)
        s.sweep_until(at)   # escalations first: whoever holds the matter by then takes the step
        if note is None:
            note = self.default_note(s, action)
        s.act(action, at, who or self.by(s, action), note)
        return True

    def default_note(self, s: _Sim, action: str) -> str:
        r = self.rng
        return {
            "accept": lambda: r.choice(_ACCEPT_NOTES),
            "dispatch": lambda: r.choice(_DISPATCH_NOTES),
            "start": lambda: self.start_note(s),
            "resolve": lambda: s.resolution,
            "verify": lambda: r.choice(_VERIFY_NOTES),
            "close": lambda: r.choice(_CLOSE_NOTES),
            "rework": lambda: r.choice(_REWORK_NOTES),
            "reject": lambda: r.choice(_REJECT_NOTES),
            "withdraw": lambda: r.choice(_WITHDRAW_NOTES),
        }[action]()

    def rate_step(self, s: _Sim, rating: str, comment: str | None = None, lo_h: float = 0.5,
                  hi_h: float = 60.0) -> bool:
        at = self.natural_gap(s, lo_h, hi_h)
        if at > s.limit:
            if not s.squeeze or s.limit <= s.t:
                return False
            at = s.t + (s.limit - s.t) * self.rng.uniform(0.3, 0.8)
        s.sweep_until(at)
        s.rate(at, rating, self.rng.choice(_RATING_COMMENTS[rating]) if comment is None else comment)
        return True

    def run(self, s: _Sim, life: Life) -> None:
        """Play a matter's life up to its limit."""
        r = self.rng
        try:
            self._run(s, life, r)
        finally:
            s.finish()

    def _run(self, s: _Sim, life: Life, r: random.Random) -> None:
        def go(action, at, note=None, who=None):
            if life.stop_after is not None and life.stop_after == s.m.state:
                return False
            return self.step(s, action, at, note, who)

        def maybe_supervise(until: dt.datetime) -> None:
            m = s.m
            if not life.supervise or m.supervised_at is not None or m.deadline is None or until <= m.deadline:
                return
            at = m.deadline + (until - m.deadline) * r.uniform(0.3, 0.7)
            if at <= s.t or at > s.limit:
                return
            who = self.leader(s) if r.random() < 0.6 else self.secretary(s)
            s.supervise(at, who, r.choice(_SUPERVISE_NOTES))

        def stage_step(action, late=False, note=None, who=None, lo=0.08, hi=0.85):
            at = self.exit_time(s, late, lo, hi)
            maybe_supervise(at)
            return go(action, at, note, who)

        notes = life.notes
        if life.outcome == "reject":
            stage_step("reject", note=notes.get("reject"))
            return
        if life.withdraw_from == S.REPORTED:
            stage_step("withdraw", note=notes.get("withdraw"))
            return
        if not stage_step("accept", "accept" in life.late, notes.get("accept")):
            return
        if life.withdraw_from == S.ACCEPTED:
            stage_step("withdraw", note=notes.get("withdraw"))
            return
        if life.hold_from == S.ACCEPTED and not self.hold(s, life, go):
            return
        if not stage_step("dispatch", "dispatch" in life.late, notes.get("dispatch"), lo=0.02, hi=0.6):
            return
        if life.withdraw_from == S.DISPATCHED:
            stage_step("withdraw", note=notes.get("withdraw"), lo=0.05, hi=0.5)
            return
        if not stage_step("start", False, notes.get("start"), lo=0.02, hi=0.25):
            return
        if life.withdraw_from == S.IN_PROGRESS:
            stage_step("withdraw", note=notes.get("withdraw"), lo=0.1, hi=0.6)
            return
        if life.hold_from == S.IN_PROGRESS and not self.hold(s, life, go):
            return
        if not stage_step("resolve", "resolve" in life.late, notes.get("resolve"), lo=0.15, hi=0.9):
            return
        for _ in range(life.reworks):
            if not stage_step("rework", False, notes.get("rework"), lo=0.1, hi=0.6):
                return
            if not stage_step("start", False, None, lo=0.02, hi=0.2):
                return
            if not stage_step("resolve", "resolve" in life.late and r.random() < 0.5, None, lo=0.2, hi=0.8):
                return
        if not stage_step("verify", "verify" in life.late, notes.get("verify"), who=life.verifier):
            return
        if not go("close", self.working_gap(s, 300, 5 * 3600), notes.get("close"), life.closer):
            return
        for n, rating in enumerate(life.ratings):
            if not self.rate_step(s, rating, life.rating_comment if n == len(life.ratings) - 1 else None):
                return
            if s.m.state != S.REWORK:
                return
            # Reopened by an unsatisfied rating: the grid leader has it looked at again.
            if not stage_step("start", False, "网格长复核后，安排重新处理", lo=0.02, hi=0.2):
                return
            if not stage_step("resolve", False, None, lo=0.2, hi=0.8):
                return
            if not stage_step("verify", False, "网格长现场复核，已解决"):
                return
            if not go("close", self.working_gap(s, 300, 4 * 3600), None, self.leader(s)):
                return

    def hold(self, s: _Sim, life: Life, go) -> bool:
        hold_note, resume_note = life.hold_notes or self.rng.choice(_HOLDS)
        natural = s.category.sla(s.m.stage)[1] == "hours"   # a round-the-clock stage: hold soon, not at night
        at = self.exit_time(s, False, *((0.02, 0.1) if natural else (0.1, 0.5)))
        if not go("hold", at, hold_note):
            return False
        resume = self.cal.add_working_seconds(s.t + dt.timedelta(days=life.hold_days), self.rng.uniform(0, 3 * 3600))
        return go("resume", resume, resume_note)

    # -- what each matter is ---------------------------------------------------------------------------
    def content(self, code: str, month: int) -> tuple[str, str, str]:
        items = CONTENT[code][1]
        winter, summer = month in (11, 12, 1, 2, 3), month in (5, 6, 7, 8, 9)
        fitting = [i for i in items if len(i) < 3 or i[2] not in ("heating", "winter", "summer")
                   or (i[2] in ("heating", "winter") and winter) or (i[2] == "summer" and summer)]
        item = self.rng.choice(fitting or items)
        return item[0], item[1], item[2] if len(item) > 2 else ""

    def attributes(self, code: str, tag: str, floor: int) -> dict:
        r = self.rng
        if code == "property-lift":
            return {"trapped": "yes" if tag == "trapped" else "no", "floor": float(floor)}
        if code == "property-utilities":
            return {"kind": tag or "water"}
        if code == "property-parking" and r.random() < 0.4:
            return {"plate": f"晋K{r.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}{r.randint(10000, 99999)}"}
        if code == "order-noise" and r.random() < 0.5:
            return {"when": r.choice(_NOISE_WHEN)}
        return {}

    def point(self, spot: _Spot, *, door: bool = True) -> tuple[float, float]:
        """A point at the unit's door (south side) or near the building, inside the spot's micro-grid."""
        r = self.rng
        x = (spot.index + 0.5) * 20.0 - 10.0 * spot.count + r.uniform(-4, 4)
        y = (-8.0 + r.uniform(-1.5, 1.5)) if door or r.random() < 0.5 else (8.0 + r.uniform(-1.5, 1.5))
        lat = spot.lat + y / 110_950.0
        lon = spot.lon + x / (111_320.0 * math.cos(math.radians(spot.lat)))
        lon, lat = round(lon, 7), round(lat, 7)
        if not self.world.contains(spot.micro, lon, lat):
            return spot.lon, spot.lat   # the building's own position is always in its micro-grid
        return lon, lat

    def new(self, *, code: str, spot: _Spot, at: dt.datetime, source: str, reporter: _Who | None = None,
            reporter_phone: str = "", home: _Home | None = None, description: str | None = None,
            resolution: str | None = None, tag: str | None = None, actor: _Who | None = None,
            in_home: bool | None = None) -> _Sim:
        """A new matter at `spot`; the reporter is drawn from its households unless given."""
        r, w = self.rng, self.world
        category = w.categories[code]
        if description is None:
            description, resolution, tag = self.content(code, at.astimezone(self.tz).month)
        in_home = code in _IN_HOME if in_home is None else in_home
        homes = [h for h in spot.homes if h.adults]
        if home is None:
            if "{upper}" in description:
                homes = [h for h in homes if h.floor < spot.floors] or homes
            home = r.choice(homes)
        floor = home.floor if in_home else r.randint(1, spot.floors)
        upper = f"楼上{home.floor + 1}{home.room[-2:]}室" if home.floor < spot.floors else "楼上邻居"
        text = description.format(estate=spot.estate, building=spot.building, unit=spot.unit, floor=floor,
                                  upper=upper)
        if reporter is None:
            if source == Source.PATROL:
                reporter, reporter_phone = _Who(""), ""
            else:
                name, reporter_phone = r.choice(home.adults)
                reporter = _Who(name)
        if actor is None:
            actor = self.reporting_actor(source, spot.micro, reporter)
        if source == Source.HOTLINE:
            text = _HOTLINE_PREFIX + text
        lon, lat = self.point(spot, door=in_home or r.random() < 0.6)
        open311 = source == Source.OPEN311   # an Open311 request carries a point, not a unit
        fields = dict(
            attributes=self.attributes(code, tag or "", floor), unit_id=None if open311 else spot.unit_id,
            household_id=home.household_id if in_home and source not in (Source.PATROL, Source.OPEN311) else None,
            lon=lon, lat=lat, device_id=f"demo-{r.getrandbits(40):010x}" if open311 else "",
            address=f"{spot.estate}{spot.building}{spot.unit}", reporter_name=reporter.label,
            reporter_phone=reporter_phone,
            open311_client_id=w.open311.pk if open311 and w.open311 else None,
        )
        s = _Sim(self, category=category, grid=spot.micro, at=at, source=source, description=text,
                 reporter=reporter, actor=actor, resolution=resolution or "已处理", **fields)
        s.spot, s.home = spot, home
        self.sims.append(s)
        return s

    def reporting_actor(self, source: str, micro: GridNode, reporter: _Who) -> _Who:
        w = self.world
        if source in (Source.VISIT, Source.PATROL):
            if source == Source.PATROL and self.rng.random() < 0.4:
                return w.holder(Role.GRID_MEMBER, w.estate(micro).pk) or SYSTEM
            return w.holder(Role.MICRO_GRID_MEMBER, micro.pk) or SYSTEM
        if source == Source.HOTLINE:
            community = w.community(micro)
            committee = w.by_role.get((Role.TWO_COMMITTEE_MEMBER, community.pk)) or []
            # The community's office staff take the 12345 hand-overs (not the secretary when others are there).
            return w.who(committee[-1]) if committee else SYSTEM
        if source == Source.OPEN311:   # as open311.intake labels it
            return _Who(f"Open311：{w.open311.name if w.open311 else OPEN311_CLIENT_NAME}"[:60])
        return reporter

    # -- the year at random ------------------------------------------------------------------------------
    def year(self) -> None:
        r, w = self.rng, self.world
        start = (self.now - dt.timedelta(days=365)).astimezone(self.tz).date()
        today = self.now.astimezone(self.tz).date()
        weights = [sum(1 for h in s.homes if h.adults) for s in w.spots]
        days = (today - start).days
        mean = RANDOM_MATTERS / days
        for d in range(1, days + 1):
            day = start + dt.timedelta(days=d)
            growth = 0.75 + 0.5 * d / days          # more matters as more residents use the platform
            rate = mean * growth * (0.8 if day.weekday() >= 5 else 1.08)
            for _ in range(_poisson(r, rate)):
                self.random_matter(day, r.choices(w.spots, weights=weights)[0])

    def pick_category(self, month: int) -> str:
        codes, weights = [], []
        for code, (weight, _items) in CONTENT.items():
            if code not in self.world.categories:
                continue
            if code == "property-lift" and not self._tower_spots:
                continue
            weights.append(weight * _season(code, month))
            codes.append(code)
        return self.rng.choices(codes, weights=weights)[0]

    def random_matter(self, day: dt.date, spot: _Spot) -> None:
        r = self.rng
        code = self.pick_category(day.month)
        if code == "property-lift" and spot.floors < 11:
            community = self.world.community(spot.micro).pk
            near = [s for s in self._tower_spots if self.world.community(s.micro).pk == community]
            if not near:
                code = "property-repair"
            else:
                spot = r.choice(near)
        group = ("care" if code.startswith("care") else "emergency" if code.startswith("emergency")
                 else "dispute" if code.startswith("dispute") else "patrol" if code in _PATROL_KINDS else "")
        source = _draw(r, _SOURCES.get(group, _SOURCES_DEFAULT))
        if source == Source.OPEN311 and self.world.open311 is None:
            source = Source.API
        if source == Source.PATROL and code in _IN_HOME:
            source = Source.VISIT
        at = self.clock(day, source, code)
        if at >= self.now:
            return
        s = self.new(code=code, spot=spot, at=at, source=source)
        life = self.random_life(s, code, source)
        self.run(s, life)
        if code in _MERGEABLE and r.random() < 0.04:
            self.duplicate(s)
        if r.random() < 0.035:
            self.add_comment(s)

    def random_life(self, s: _Sim, code: str, source: str) -> Life:
        r = self.rng
        life = Life()
        draw = r.random()
        if draw < 0.03:
            life.outcome = "reject"
            return life
        if draw < 0.06 and source != Source.PATROL:
            life.withdraw_from = r.choice([S.REPORTED, S.ACCEPTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS])
        if r.random() < 0.16:
            late = r.choices(["accept", "dispatch", "resolve", "verify"], weights=[3, 2, 5, 1])[0]
            life.late.add(late)
            if r.random() < 0.25:
                life.late.add(r.choice(["accept", "dispatch", "resolve"]))
            life.supervise = r.random() < 0.3
        if code in _HOLDABLE and r.random() < 0.06:
            life.hold_from = r.choice([S.ACCEPTED, S.IN_PROGRESS, S.IN_PROGRESS])
            life.hold_days = r.uniform(2, 16)
        if r.random() < 0.04:
            life.reworks = 1
        if source != Source.PATROL and r.random() < 0.86:
            breached = bool(life.late)
            weights = [60, 30, 10] if breached else [86, 12, 2.5]
            first = r.choices([Rating.SATISFIED, Rating.BASIC, Rating.UNSATISFIED], weights=weights)[0]
            life.ratings = [first]
            if first == Rating.UNSATISFIED:
                life.ratings.append(r.choices([Rating.SATISFIED, Rating.BASIC, Rating.UNSATISFIED],
                                              weights=[40, 40, 20])[0])
        return life

    def duplicate(self, primary: _Sim) -> None:
        """Another resident reports the same thing nearby; a dispatcher merges it into the first while the
        first is still open."""
        r = self.rng
        at = primary.m.created_at + dt.timedelta(hours=r.uniform(0.3, 18))
        end = min(primary.first_closed() or self.now, self.now)
        if at >= end - dt.timedelta(minutes=30):
            return
        s = self.new(code=primary.category.code, spot=primary.spot, at=at, source=Source.RESIDENT,
                     description=primary.m.description.removeprefix(_HOTLINE_PREFIX), resolution=primary.resolution,
                     in_home=False)
        s.m.attributes = dict(primary.m.attributes)

        def before_end() -> dt.datetime:
            when = self.exit_time(s, False, 0.1, 0.8)
            return when if when < end else s.t + (end - s.t) * r.uniform(0.3, 0.7)

        if r.random() < 0.4:
            s.act("accept", before_end(), self.by(s, "accept"), r.choice(_ACCEPT_NOTES))
        s.merge(before_end(), primary, self.grid_member(s), r.choice(_MERGE_NOTES))
        s.finish()

    def add_comment(self, s: _Sim) -> None:
        r = self.rng
        end = min(s.m.updated_at, self.now)
        if end <= s.m.created_at + dt.timedelta(minutes=10):
            return
        at = s.m.created_at + (end - s.m.created_at) * r.uniform(0.1, 0.9)
        if s.reporter.label and r.random() < 0.5:
            s.comment(at, s.reporter, r.choice(_PUBLIC_COMMENTS), internal=False)
        else:
            s.comment(at, self.assignee(s), r.choice(_INTERNAL_COMMENTS), internal=True)

    # -- the article's 8 -----------------------------------------------------------------------------------
    def article(self) -> None:
        w, r = self.world, self.rng
        days = _deliberation_days(self.now.astimezone(self.tz).date(), len(ARTICLE_MATTERS))
        featured_spots = [s for s in w.spots if s.micro.code.startswith(FEATURED_CODE)]
        for a, day in zip(ARTICLE_MATTERS, days, strict=True):
            if a.category not in w.categories:
                continue
            spots = [s for s in featured_spots if s.estate == a.estate and (s.floors >= 11 or not a.high_rise)]
            spot = spots[len(spots) // 2] if spots else r.choice(featured_spots)
            area = w.area(spot.micro)
            reps = w.by_role.get((Role.RESIDENT_REPRESENTATIVE, area.pk)) or []
            reporter = w.who(reps[0]) if reps else _Who(r.choice(spot.homes[0].adults)[0])
            phone = Person.objects.filter(pk=reporter.person_id).values_list("phone", flat=True).first() or ""
            at = dt.datetime(day.year, day.month, day.day, 15, r.randint(0, 40), r.randint(0, 59), tzinfo=self.tz)
            secretary = self.secretary(grid=spot.micro)
            s = self.new(code=a.category, spot=spot, at=at, source=Source.DELIBERATION, reporter=_Who(reporter.label),
                         reporter_phone=phone, description=a.description, resolution=a.notes["resolve"],
                         tag="", actor=secretary, in_home=False)
            s.m.address = f"{spot.estate}{spot.building}"
            s.m.household_id = None
            if a.category == "property-lift":
                s.m.attributes = {"trapped": "no", "floor": float(spot.floors)}
            life = Life(notes=a.notes, ratings=[Rating.SATISFIED], rating_comment=a.rating_comment,
                        verifier=self.leader(s), closer=secretary)
            if a.hold_days:
                life.hold_from, life.hold_days = S.IN_PROGRESS, a.hold_days
                life.hold_notes = (a.notes["hold"], a.notes["resume"])
            self.run(s, life)

    # -- the demo resident's own matters -----------------------------------------------------------------
    def resident(self) -> None:
        w = self.world
        user = w.logins.get("resident")
        person = getattr(user, "person", None) if user else None
        resident = person.resident if person else None
        if resident is None:
            return
        spot = next((s for s in w.spots if s.unit_id == resident.household.unit_id), None)
        home = next((h for h in spot.homes if h.household_id == resident.household_id), None) if spot else None
        if home is None:
            return
        me = _Who(person.name, user.pk, person.pk)
        phone = person.phone or resident.phone
        day = dt.timedelta(days=1)
        plans = [
            # (code, days ago, life, target state)
            ("property-repair", 118, Life(ratings=[Rating.SATISFIED], rating_comment="师傅来得很快，灯修好了"), None),
            ("env-garbage", 47, Life(late={"resolve"}, ratings=[Rating.BASIC],
                                     rating_comment="清运了，就是等的时间有点长"), None),
            ("dispute-leak", 9, Life(), S.CLOSED),
            ("env-clutter", 2.2, Life(), S.IN_PROGRESS),
            ("env-pests", 0.15, Life(), S.REPORTED),
        ]
        for code, ago, life, target in plans:
            if code not in w.categories:
                continue
            at = self.now - ago * day
            s = self.new(code=code, spot=spot, at=at, source=Source.RESIDENT, reporter=me, reporter_phone=phone,
                         home=home, in_home=code in _IN_HOME)
            if target is not None:
                life.stop_after = target
                s.squeeze = True
                s.limit = self.now - dt.timedelta(minutes=20)
            self.run(s, life)
        comment_on = next((s for s in self.sims if s.reporter.user_id == me.user_id and s.m.state == S.IN_PROGRESS),
                          None)
        if comment_on is not None:
            comment_on.comment(comment_on.t + dt.timedelta(minutes=40), me, "楼道堆的纸箱还在，麻烦尽快清理", False)

    # -- set up for the consoles: every open state, and red lights -----------------------------------
    def showcase(self) -> None:
        w, r = self.world, self.rng

        def served_by(username: str, role: str) -> set[int]:
            person = w.login_person(username)
            return {g for (rl, g), people in w.by_role.items() if rl == role and person and person.person_id in people}

        featured = [s for s in w.spots if s.micro.code.startswith(FEATURED_CODE)]
        second = [s for s in w.spots if not s.micro.code.startswith(FEATURED_CODE)]
        micro_grids = served_by("microgrid", Role.MICRO_GRID_MEMBER)
        estates = served_by("gridmember", Role.GRID_MEMBER)
        areas = served_by("gridleader", Role.GRID_LEADER)
        mine = [s for s in featured if s.micro.pk in micro_grids] or featured
        estate = [s for s in featured if s.micro.parent_id in estates] or featured
        area = [s for s in featured if w.estate(s.micro).parent_id in areas] or featured
        towers = [s for s in featured if s.floors >= 11] or featured
        plans = [
            # (spots, codes (the first that fits), target state, red, life). Categories timed in natural
            # hours come second for red lights: a weekend has no working time for a deadline to fall in.
            (mine, ("env-garbage", "safety-ebike"), S.REPORTED, True, Life()),
            (mine, "env-clutter", S.IN_PROGRESS, False, Life()),
            (mine, "safety-ebike", S.DISPATCHED, True, Life()),
            (mine, "care-elderly", S.ACCEPTED, False, Life()),
            (towers, "property-lift", S.REPORTED, True, Life()),
            (towers, "property-lift", S.IN_PROGRESS, True, Life()),
            (estate, ("order-noise", "order-fire-lane"), S.ACCEPTED, True, Life()),
            (estate, "dispute-leak", S.IN_PROGRESS, False, Life(late={"accept"}, supervise=True)),
            (estate, "dispute-neighbour", S.DISPATCHED, False, Life()),
            (area, "dispute-fee", S.IN_PROGRESS, False, Life()),
            (featured, "property-repair", S.RESOLVED, False, Life()),
            (featured, "property-cleaning", S.VERIFIED, False, Life()),
            (featured, "property-utilities", S.ON_HOLD, False,
             Life(hold_from=S.IN_PROGRESS, hold_days=30)),
            (featured, "dispute-leak", S.REWORK, False, Life(reworks=1)),
            (area, "property-parking", S.REWORK, False, Life(ratings=[Rating.UNSATISFIED, Rating.SATISFIED])),
            (featured, "order-fire-lane", S.DISPATCHED, True, Life()),
            (featured, ("property-repair", "property-lift"), S.IN_PROGRESS, True,
             Life(late={"dispatch"}, supervise=True)),
            (featured, "env-garbage", S.ACCEPTED, False, Life()),
            (featured, "property-greening", S.DISPATCHED, False, Life()),
            (featured, "property-repair", S.RESOLVED, False, Life(late={"resolve"})),
            (featured, "property-security", S.VERIFIED, False, Life()),
            (second, ("env-garbage", "safety-ebike"), S.REPORTED, True, Life()),
            (second, "property-repair", S.IN_PROGRESS, False, Life()),
            (second, "property-utilities", S.ON_HOLD, False, Life(hold_from=S.ACCEPTED, hold_days=30)),
        ]
        for spots, codes, target, red, life in plans:
            for code in (codes,) if isinstance(codes, str) else codes:
                choices = [s for s in spots if code != "property-lift" or s.floors >= 11]
                if code in w.categories and choices and self.forced(r.choice(choices), code, target, red, life):
                    break
        # Unsatisfied twice: reopened once, and the second rating stands (不满意).
        spot = r.choice(featured)
        s = self.new(code="property-repair", spot=spot, at=self.now - dt.timedelta(days=63), source=Source.RESIDENT)
        self.run(s, Life(ratings=[Rating.UNSATISFIED, Rating.UNSATISFIED],
                         rating_comment="返修后还是渗水，希望物业彻底解决"))

    def forced(self, spot: _Spot, code: str, target: str, red: bool, life: Life) -> bool:
        """A recent matter that ends in `target`; when `red`, its deadline has passed since the last sweep,
        otherwise it has not. Tries report times going back from now until one fits."""
        saved = len(self.sims)
        state = self.rng.getstate()
        hours = [0.4, 0.7, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 15, 18, 21, 24, 28, 32, 36, 42, 48, 56, 64, 72, 84,
                 96, 120, 144, 168]
        for ago in (dt.timedelta(hours=h, minutes=7) for h in hours):
            self.rng.setstate(state)
            del self.sims[saved:]
            life_copy = Life(**{**life.__dict__, "late": set(life.late), "ratings": list(life.ratings)})
            life_copy.stop_after = target
            at = self.now - ago
            source = _draw(self.rng, [(Source.RESIDENT, 6), (Source.HOTLINE, 2), (Source.VISIT, 1)])
            s = self.new(code=code, spot=spot, at=at, source=source)
            s.squeeze = True
            s.limit = self.now - dt.timedelta(minutes=10)
            self.run(s, life_copy)
            m = s.m
            if m.state != target or m.escalation_level > (1 if life.late else 0):
                continue
            if target not in STAGE_OF:
                return True
            if m.deadline is None:
                continue
            if red and self.swept_until < m.deadline < self.now - dt.timedelta(minutes=5):
                return True
            if not red and m.deadline > self.now + dt.timedelta(minutes=30):
                return True
        self.rng.setstate(state)
        del self.sims[saved:]
        return False

    # -- writing ----------------------------------------------------------------------------------------------
    def write(self) -> dict[str, int]:
        sims = sorted(self.sims, key=lambda s: s.m.created_at)
        for s in sims:
            s.m.refresh_search_text()
        Matter.objects.bulk_create([s.m for s in sims], batch_size=500)
        merged = [s for s in sims if s.merged_into is not None]
        for s in merged:
            s.m.merged_into_id = s.merged_into.m.pk
        Matter.objects.bulk_update([s.m for s in merged], ["merged_into"], batch_size=500)
        events, escalations, comments = [], [], []
        for s in sims:
            for event, key, other in s.links:
                event.data = {key: other.m.pk}
            ordered = sorted(enumerate(s.events), key=lambda pair: (pair[1].at, pair[0]))
            events.extend((s.m.pk, seq, event) for seq, (_i, event) in enumerate(ordered, start=1))
            for e in s.escalations:
                e.matter_id = s.m.pk
                escalations.append(e)
            for c in s.comments:
                c.matter_id = s.m.pk
                comments.append(c)
        _insert_events(events)
        Escalation.objects.bulk_create(escalations, batch_size=1000)
        Comment.objects.bulk_create(comments, batch_size=1000)
        return {"matters": len(sims), "events": len(events), "escalations": len(escalations),
                "comments": len(comments)}


@dataclass
class Life:
    """How a matter's life is meant to go; it stops early when its next step is after the load."""

    outcome: str = "done"                    # or "reject"
    late: set[str] = field(default_factory=set)   # stages left past their deadline
    withdraw_from: str | None = None
    hold_from: str | None = None
    hold_days: float = 0
    hold_notes: tuple[str, str] | None = None
    reworks: int = 0
    ratings: list[str] = field(default_factory=list)   # a first unsatisfied rating reopens it
    rating_comment: str | None = None
    supervise: bool = False
    notes: dict[str, str] = field(default_factory=dict)
    verifier: _Who | None = None
    closer: _Who | None = None
    stop_after: str | None = None            # stop once the matter is in this state


_EVENT_COLUMNS = ("matter", "seq", "at", "action", "from_state", "to_state", "actor_user", "actor_label", "note",
                  "data", "public")


def _insert_events(rows: list[tuple[int, int, _Step]]) -> None:
    """Event rows in one prepared INSERT run many times: the same rows `bulk_create` would write, without
    building fourteen thousand model instances and compiling the statement batch by batch."""
    fields = [Event._meta.get_field(name) for name in _EVENT_COLUMNS]
    qn = connection.ops.quote_name
    sql = (f"INSERT INTO {qn(Event._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    at, data = fields[2], fields[9]
    params = [
        (matter_id, seq, at.get_db_prep_save(e.at, connection), e.action, e.from_state, e.to_state, e.user_id,
         e.label, e.note, data.get_db_prep_save(e.data, connection), e.public)
        for matter_id, seq, e in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), 2000):
            cursor.executemany(sql, params[start:start + 2000])


def _poisson(r: random.Random, lam: float) -> int:
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= r.random()
        if p <= threshold:
            return k
        k += 1


def _draw(r: random.Random, weighted) -> str:
    return r.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def _season(code: str, month: int) -> float:
    winter, summer = month in (11, 12, 1, 2, 3), month in (6, 7, 8)
    if code == "property-utilities":
        return 2.0 if winter else 0.8
    if code in ("property-greening", "env-pests", "order-noise"):
        return 1.7 if summer else 0.5 if winter else 1.0
    if code == "emergency-flood":
        return 3.0 if month in (7, 8) else 0.6
    if code == "emergency-fire":
        return 1.8 if winter else 0.8
    return 1.0


def _deliberation_days(today: dt.date, n: int) -> list[dt.date]:
    """The last `n` deliberation days (the 10th of a month) at least 50 days before `today`, oldest first."""
    days = []
    year, month = today.year, today.month
    while len(days) < 11:
        day = dt.date(year, month, 10)
        if (today - day).days >= 50:
            days.append(day)
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return sorted(days[:n])


# -- entry point -----------------------------------------------------------------------------------------


def ensure_open311_client() -> Open311Client:
    """The demo's Open311 client; its key is `OPEN311_CLIENT_KEY` (creating it again returns it)."""
    client, _key = client_create(name=OPEN311_CLIENT_NAME, subdistrict_code=SUBDISTRICT_CODE, key=OPEN311_CLIENT_KEY)
    return client


def load_matters(plan: Plan, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Simulate and write the demo's year of matters; returns counts. Call inside the demo's transaction,
    after its grids, households and people are written."""
    ensure_open311_client()
    world = _World(now or timezone.now())
    gen = _Generator(world, plan.seed)
    gen.article()
    gen.resident()
    gen.showcase()
    gen.year()
    counts = gen.write()
    counts["notifications"] = _inbox(world.now)
    return counts


def _inbox(now: dt.datetime) -> int:
    """Inbox entries for what is going on now: each open matter's assignee was told of it (unread while
    it waits to be accepted), escalations told the new assignee, and reporters with a login hear of
    their matters' steps."""
    from wangge.notify.models import Notification

    rows = []
    recent = Matter.objects.filter(updated_at__gte=now - dt.timedelta(days=30)).select_related("category")
    for m in recent.filter(state__in=list(OPEN_STATES), assignee__isnull=False):
        escalated = m.escalation_level > 0
        rows.append(Notification(
            recipient_id=m.assignee_id, subdistrict_id=m.subdistrict_id,
            event="matter.escalated" if escalated else "matter.assigned",
            title=f"{'超时升级' if escalated else '新事项'}：{m.category.name} #{m.pk}", body=m.description[:140],
            link=f"/matters/{m.pk}/", payload={"matter": m.pk, "state": m.state}, created_at=m.updated_at,
            read_at=None if m.state == State.REPORTED or escalated else m.updated_at,
        ))
    news = {State.ACCEPTED: ("accept", "您反映的事项已受理"), State.IN_PROGRESS: ("start", "您反映的事项正在处置"),
            State.RESOLVED: ("resolve", "您反映的事项已处置完成"), State.CLOSED: ("close", "您反映的事项已结案，请评价")}
    persons = dict(Person.objects.filter(user__isnull=False).values_list("user_id", "pk"))
    for m in Matter.objects.filter(reporter_user__isnull=False, state__in=list(news)).select_related("category"):
        if m.reporter_user_id in persons:
            rows.append(Notification(
                recipient_id=persons[m.reporter_user_id], subdistrict_id=m.subdistrict_id,
                event=f"matter.{news[m.state][0]}", title=news[m.state][1], body=m.description[:140],
                link=f"/matters/{m.pk}/",
                payload={"matter": m.pk, "state": m.state}, created_at=m.updated_at,
            ))
    Notification.objects.bulk_create(rows, batch_size=500)
    return len(rows)
