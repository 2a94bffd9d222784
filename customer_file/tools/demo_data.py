"""Seeded building blocks of realistic customers and purchase processes.

Pure Python (no ORM), shared by the demo generator (customer.file.demo.generator) and the
million-customer loader in bench/, so demo and benchmark data follow the same model: each
customer buys at their own rhythm from a start date, and some stop buying.
"""

import math
from datetime import timedelta

CHINESE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
)
CHINESE_GIVEN_NAMES = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "晓明",
    "海燕",
    "志强",
    "雪",
    "欣怡",
    "子涵",
    "浩然",
]
ENGLISH_FIRST_NAMES = [
    "James",
    "Emma",
    "Oliver",
    "Sophia",
    "William",
    "Amelia",
    "Henry",
    "Olivia",
    "Jack",
    "Grace",
    "Thomas",
    "Chloe",
    "Daniel",
    "Lucy",
    "Samuel",
    "Hannah",
    "Noah",
    "Isla",
    "George",
    "Mia",
]
ENGLISH_LAST_NAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Clark",
]
COMPANY_WORDS = [
    "华盛",
    "东方",
    "恒通",
    "Harbour",
    "Summit",
    "锦程",
    "Northwind",
    "天成",
    "Bluebell",
]
COMPANY_SUFFIXES = ["贸易有限公司", "科技有限公司", "Trading Ltd", "Retail Co.", "数码商行"]
OCCUPATIONS = [
    "Engineer",
    "Teacher",
    "Doctor",
    "Designer",
    "Accountant",
    "Student",
    "Business owner",
    "Civil servant",
    "Sales manager",
    "Nurse",
    "Retired",
]

# (default_code, name, category, list price, tracked as owned product)
CATALOGUE = [
    ("PH-X1", "Aurora Phone X1", "Phones", 4999.0, True),
    ("PH-X1P", "Aurora Phone X1 Pro", "Phones", 6999.0, True),
    ("PH-L5", "Aurora Phone Lite 5", "Phones", 1999.0, True),
    ("LT-14", "Aurora Book 14", "Laptops", 6499.0, True),
    ("LT-16P", "Aurora Book 16 Pro", "Laptops", 11999.0, True),
    ("TB-11", "Aurora Pad 11", "Tablets", 2999.0, True),
    ("AC-CASE", "Protective Case", "Accessories", 129.0, False),
    ("AC-CHG", "65W Fast Charger", "Accessories", 199.0, False),
    ("AC-BUDS", "Aurora Buds", "Accessories", 899.0, True),
    ("SV-CARE", "Aurora Care+ (2 years)", "Services", 599.0, False),
    ("SV-DATA", "Data Transfer Service", "Services", 99.0, False),
]


STREETS = ["南京东路", "淮海中路", "中山路", "人民路", "解放路", "和平街", "长安街", "建国路",
           "新华街", "文化路"]


def person_name(rnd):
    """A Chinese name (70%) or an English one."""
    if rnd.random() < 0.7:
        return rnd.choice(CHINESE_SURNAMES) + rnd.choice(CHINESE_GIVEN_NAMES)
    return f"{rnd.choice(ENGLISH_FIRST_NAMES)} {rnd.choice(ENGLISH_LAST_NAMES)}"


def company_name(rnd):
    return rnd.choice(COMPANY_WORDS) + rnd.choice(COMPANY_SUFFIXES)


MOBILE_PREFIXES = [f"13{digit}" for digit in range(10)] + [
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "186",
    "187",
    "188",
    "189",
]


def chinese_mobile(rnd):
    return f"{rnd.choice(MOBILE_PREFIXES)}{rnd.randrange(10**8):08d}"


def purchase_dates(rnd, today, horizon_days=3 * 365):
    """The dates one customer buys on, following their own rhythm.

    A start within the horizon; gaps drawn from a gamma distribution around the customer's
    own mean gap (log-normal across customers, median about two months); about a third of
    customers stop buying at some point (churn).
    """
    start = today - timedelta(days=rnd.randrange(horizon_days))
    mean_gap = math.exp(rnd.gauss(math.log(60), 0.7))
    stop = today
    if rnd.random() < 0.35:
        stop = start + timedelta(days=rnd.uniform(0, (today - start).days))
    dates, day = [], start
    while day <= stop:
        dates.append(day)
        day += timedelta(days=max(1.0, rnd.gammavariate(2.0, mean_gap / 2.0)))
    return dates


def basket(rnd):
    """One order: a main product now and then, accessories and services often."""
    lines = []
    if rnd.random() < 0.45:
        lines.append(rnd.choice(CATALOGUE[:6]))
    extras = CATALOGUE[6:]
    lines += rnd.sample(extras, rnd.randint(0 if lines else 1, 2))
    return [(item, 1 if item[4] else rnd.randint(1, 3)) for item in lines]
