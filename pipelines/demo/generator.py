"""Demo data: realistic MA, SFA and CRM extracts of a Japanese B2B SaaS company, with ground truth.

`generate()` simulates every lead's journey over about 18 months and writes the extracts in each
vendor's export layout (HubSpot, Salesforce Japanese locale in CP932, Zoho CRM) into `landing/`.
It streams rows to the files, so memory stays bounded at millions of leads, and is deterministic
for a seed and an end date; a later export day (`as_of`) continues the same records.

Dirty rows are injected at known rates and counted. The ground truth (`demo_truth.json`) is then
computed by an oracle that is independent of the pipeline: it knows the true person behind every
row and which rows will survive ingest, and applies the journey's reach rule to what survives:

  a person is a journey lead when any MA lead, SFA lead or opportunity row of theirs is loaded;
  entered stages: known (always), mql (an MA or SFA MQL time), sal (a sales activity on one of
  their SFA leads, or an SFA lead in status working), sql (an SFA lead in status sql),
  opportunity, won / lost (an opportunity's stage), customer (a subscription of the won deal's
  account starting on or after the close date);
  a stage counts as reached when it or any later stage was entered (won and lost are alternative
  outcomes; customer implies won).
"""

from __future__ import annotations

import bisect
import gc
import itertools
import json
import math
import multiprocessing
import os
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, wait
from datetime import date, datetime, time, timedelta
from pathlib import Path

import holidays
import numpy as np

from pipelines.contract import NO_VALUE
from pipelines.demo import names as N
from pipelines.demo.writers import ExportFile
from pipelines.rules import Rules, load_rules
from pipelines.warehouse import threads

TRUTH_VERSION = 1
USD_JPY = 150  # the demo's USD deals are sized in yen, then quoted in dollars
MONTHS = 18
DEFECT_RATES = {"malformed_line": 0.002, "unparseable_date": 0.002, "missing_required": 0.002,
                "duplicate_id": 0.002}
OUT_OF_ORDER_RATE = 0.004
LEAD_GROWTH = 0.6  # lead volume grows by 60% over the period
CHUNKS = 4  # leads are simulated in this many chunks (fixed, so the files do not depend on the machine)
# Each record's IDs come from its own range: id_index * stride + 1, 2, ...; a stride bounds what one
# lead, sales-sourced opportunity or account can hold of each kind.
ID_STRIDE = {"ma_lead": 1, "ma_dup": 1, "ma_act": 128, "sfa_lead": 4, "sfa_act": 64, "opp": 4,
             "contact": 8, "sub": 32, "nps": 16}
SALES_ID_INDEX = 100_000_000  # sales-sourced opportunities' id_index range starts here
ACCOUNT_ID_INDEX = 200_000_000  # accounts' id_index range (their contacts, subscriptions, answers)
REACH_ORDER = ["known", "mql", "sal", "sql", "opportunity", "won", "lost", "customer"]
SF_FOOTER = ["Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.",
             "機密情報 - 配布禁止", "作成者: 中村 美穂"]

# Conversion propensity by channel: (intent alpha, intent beta, SQL adjustment)
CHANNEL_PROFILE = {
    "organic_search": (2.0, 4.0, 0.00), "paid_search": (1.8, 4.5, -0.03),
    "paid_social": (1.2, 5.0, -0.08), "event": (1.3, 4.5, -0.06), "webinar": (2.4, 3.6, 0.03),
    "referral": (3.0, 2.5, 0.10), "direct": (3.2, 2.2, 0.08), "email": (2.0, 4.0, 0.00),
}
CAMPAIGN_CODE = {"organic_search": "SEO", "paid_search": "PPC", "paid_social": "SNS", "event": "EXPO",
                 "webinar": "WEB", "referral": "REF", "direct": "DIR", "email": "EML"}
CHANNEL_WEIGHTS = {"organic_search": 22, "paid_search": 18, "paid_social": 10, "event": 15,
                   "webinar": 15, "referral": 5, "direct": 8, "email": 7}
SEGMENT_SQL_ADJ = {"smb": 0.02, "mid_market": 0.0, "enterprise": -0.04}
SEGMENT_WIN = {"smb": 0.30, "mid_market": 0.24, "enterprise": 0.20}
SEGMENT_AMOUNT = {"smb": (600_000, 3_000_000), "mid_market": (3_000_000, 12_000_000),
                  "enterprise": (12_000_000, 60_000_000)}
OPEN_STAGES = ["problem_recognised", "information_gathering", "comparison", "internal_approval",
               "decision", "negotiation"]
SF_STAGE_LABEL = {"problem_recognised": "課題認識", "information_gathering": "情報収集",
                  "comparison": "比較検討", "internal_approval": "社内稟議", "decision": "意思決定",
                  "negotiation": "交渉", "closed_won": "受注", "closed_lost": "失注"}
SF_STATUS_LABEL = {"open": "未対応", "working": "対応中", "sql": "SQL（商談化）",
                   "disqualified": "不適格", "recycled": "ナーチャリング"}
SF_REASON_LABEL = {"no_budget": "予算なし", "too_early": "時期尚早", "competitor": "競合採用済み",
                   "info_gathering": "情報収集のみ", "unreachable": "連絡不通", "not_target": "対象外"}
SF_LOST_LABEL = {"no_budget": "予算なし", "too_early": "時期尚早", "competitor": "競合負け",
                 "missing_features": "機能不足", "deprioritised": "優先度低下"}
SF_ACTIVITY_LABEL = {"call": "電話", "email": "メール", "meeting": "訪問", "web_meeting": "Web会議",
                     "executive_meeting": "役員面談", "key_person_meeting": "キーパーソン面談",
                     "proposal": "提案", "customer_consultation": "顧客起点相談",
                     "account_plan_update": "アカウントプラン更新"}
SF_OUTCOME_LABEL = {"connected": "通話", "no_answer": "不在", "voicemail": "留守電",
                    "appointment_set": "アポ獲得", "replied": "返信あり", "no_reply": "返信なし",
                    "held": "実施"}
HS_INDUSTRY = {"manufacturing": "製造業", "it_communications": "情報通信業", "finance": "金融・保険業",
               "retail": "卸売・小売業", "services": "サービス業", "healthcare": "医療・福祉",
               "construction": "建設業", "real_estate": "不動産業", "education": "教育・学習支援"}
ZOHO_INDUSTRY = {"manufacturing": "Manufacturing", "it_communications": "IT & Communications",
                 "finance": "Finance", "retail": "Retail", "services": "Services",
                 "healthcare": "Healthcare", "construction": "Construction",
                 "real_estate": "Real Estate", "education": "Education"}
HS_EMPLOYEES = [(5000, "5000+"), (1000, "1000-4999"), (300, "300-999"), (100, "100-299"),
                (50, "50-99"), (0, "1-49")]
HS_ACTIVITY = {"page_view": "Page View", "document_download": "Document Download",
               "webinar_registration": "Webinar Registration", "webinar_attendance": "Webinar Attended",
               "seminar_attendance": "Seminar Attended", "consultation": "Consultation",
               "email_open": "Email Open", "email_click": "Email Click", "form_submit": "Form Submission"}
HS_ASSET = {"pricing_page": "Pricing Page", "product_page": "Product Page", "blog": "Blog",
            "case_study": "Case Study", "white_paper": "White Paper", "newsletter": "Newsletter",
            "event": "Event", "demo_request": "Demo Request", "contact_form": "Contact Form"}
HS_ASSET_NAME = {"pricing_page": "/pricing", "product_page": "/product/features", "blog": "/blog/dx-case",
                 "case_study": "導入事例集 2025", "white_paper": "営業DX ホワイトペーパー",
                 "newsletter": "月刊ニュースレター", "event": "DX推進ウェビナー",
                 "demo_request": "デモ依頼フォーム", "contact_form": "お問い合わせフォーム"}
RELATIONSHIP = ["contact_built", "issues_shared", "co_created_proposal", "executive_involvement",
                "trust_established", "spread_inside", "spread_outside"]
RELATIONSHIP_LABEL = {"contact_built": "接点構築", "issues_shared": "課題共有",
                      "co_created_proposal": "共創提案", "executive_involvement": "経営層関与",
                      "trust_established": "信頼確立", "spread_inside": "社内展開",
                      "spread_outside": "社外展開"}
BUYING_ROLE_LABEL = {"decision_maker": "決裁者", "proposer": "起案者", "influencer": "影響者",
                     "user": "利用者"}
CHANNELS = list(CHANNEL_WEIGHTS)
CHANNEL_CUM_WEIGHTS = list(itertools.accumulate(CHANNEL_WEIGHTS.values()))
TITLES = [t for t, _ in N.TITLES]
TITLE_CUM_WEIGHTS = list(itertools.accumulate(w for _, w in N.TITLES))
PREFECTURE_CUM_WEIGHTS = list(itertools.accumulate(w for _, _, w in N.PREFECTURES))
# what an IS rep's unconverted lead is closed as, and how many BANT items an SQL / another lead has
DISQUALIFY_REASONS = ["no_budget", "too_early", "competitor", "info_gathering", "not_target"]
DISQUALIFY_CUM_WEIGHTS = list(itertools.accumulate([25, 30, 10, 25, 10]))
SQL_BANT_CUM_WEIGHTS = list(itertools.accumulate([6, 40, 35, 19]))  # of 1, 2, 3, 4 items
OTHER_BANT_CUM_WEIGHTS = list(itertools.accumulate([40, 60]))  # of 0, 1 items
FULLWIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def today_jst() -> date:
    return datetime.now(tz=__import__("zoneinfo").ZoneInfo("Asia/Tokyo")).date()


# ---------------------------------------------------------------------------------------------
# small helpers


class _Random(random.Random):
    """`random.Random` with a faster `randint` and `choice` (one `random()` each, not rejection
    sampling on bits): the simulation draws a few dozen per lead."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def weighted(self, population: list, cum_weights: list):
        """`choices(population, cum_weights=cum_weights)[0]`, the same draw without its set-up."""
        return population[bisect.bisect(cum_weights, self.random() * (cum_weights[-1] + 0.0),
                                        0, len(population) - 1)]


def _hs(t: datetime | None) -> str:  # 2026-10-29 14:05 (isoformat: several times faster than strftime)
    return "" if t is None else t.isoformat(" ", "minutes")


def _sf(t: datetime | None) -> str:  # 2026/10/29 14:05
    return "" if t is None else t.isoformat(" ", "minutes").replace("-", "/")


def _sfd(d: date | None) -> str:  # 2026/10/29
    return "" if d is None else d.isoformat().replace("-", "/")


def _zoho(t: datetime | None) -> str:  # 2026-10-29 14:05:00
    return "" if t is None else t.isoformat(" ", "seconds")


def _month_add(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, 1)


class BusinessCalendar:
    """Business days and hours of the rules file's calendar, for the simulated reps."""

    def __init__(self, years: range, rules: Rules):
        cal = rules.calendar
        self.holidays = set(cal.company_holidays)
        if cal.holidays_country:
            self.holidays |= set(holidays.country_holidays(cal.holidays_country, years=list(years)).keys())
        self.open, self.close = cal.business_hours.start, cal.business_hours.end
        self.workdays = {("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(d) for d in cal.workdays}

    def is_business_day(self, d: date) -> bool:
        return d.weekday() in self.workdays and d not in self.holidays

    def next_open(self, t: datetime) -> datetime:
        d = t.date()
        if self.is_business_day(d) and self.open <= t.time() < self.close:
            return t
        if self.is_business_day(d) and t.time() < self.open:
            return datetime.combine(d, self.open)
        d += timedelta(days=1)
        while not self.is_business_day(d):
            d += timedelta(days=1)
        return datetime.combine(d, self.open)

    def add_business_days(self, t: datetime, days: int) -> datetime:
        d = t.date()
        for _ in range(days):
            d += timedelta(days=1)
            while not self.is_business_day(d):
                d += timedelta(days=1)
        return datetime.combine(d, t.time())


# ---------------------------------------------------------------------------------------------
# the truth oracle


class Truth:
    """Counts, per person, the stages reached by what survives ingest."""

    def __init__(self):
        self.entered: Counter[tuple[str, frozenset[str]]] = Counter()  # persons by channel and stages
        self.pending_customers: list[tuple[str, set[str], list[tuple[str, date]]]] = []

    def add_person(self, p: dict) -> None:
        """`p` holds the surviving rows' facts of one true person (see Person.facts)."""
        if not (p["ma"] or p["sfa"] or p["opps"]):
            return
        entered = {"known"}
        if any(m[2] for m in p["ma"]) or any(s["mql"] for s in p["sfa"]):
            entered.add("mql")
        if any(s["status"] == "working" or s["activity"] for s in p["sfa"]):
            entered.add("sal")
        if any(s["status"] == "sql" for s in p["sfa"]):
            entered.add("sql")
        won_deals = []
        for o in p["opps"]:
            entered.add("opportunity")
            if o["stage"] == "closed_won":
                entered.add("won")
                won_deals.append((o["account_id"], o["close_date"]))
            elif o["stage"] == "closed_lost":
                entered.add("lost")
        if p["ma"]:
            channel = min(p["ma"], key=lambda m: (m[0], m[1]))[3]
        elif p["sfa"]:
            channel = min(p["sfa"], key=lambda s: (s["created"], s["id"]))["source"]
        else:
            channel = min(p["opps"], key=lambda o: (o["created"], o["id"]))["source"]
        channel = channel or NO_VALUE
        if won_deals:
            self.pending_customers.append((channel, entered, won_deals))
        else:
            self._count(channel, entered)

    def _count(self, channel: str, entered: set[str]) -> None:
        self.entered[(channel, frozenset(entered))] += 1

    def finish(self, subscription_starts: dict[str, list[date]]) -> None:
        for channel, entered, deals in self.pending_customers:
            if any(any(s >= close for s in subscription_starts.get(acc, ())) for acc, close in deals):
                entered.add("customer")
            self._count(channel, entered)
        self.pending_customers = []

    def merge(self, other: Truth) -> None:
        """Add another chunk's counts (its customers resolved)."""
        self.entered.update(other.entered)

    @property
    def persons(self) -> int:
        return sum(self.entered.values())

    def stage_leads(self) -> dict:
        overall = dict.fromkeys(REACH_ORDER, 0)
        by_channel: dict[str, dict[str, int]] = {}
        for (channel, entered), n in self.entered.items():
            counts = by_channel.setdefault(channel, dict.fromkeys(REACH_ORDER, 0))
            for stage in _reached(entered):
                overall[stage] += n
                counts[stage] += n
        return {"overall": overall, "by_channel": dict(sorted(by_channel.items()))}


def _reached(entered: frozenset[str]) -> set[str]:
    """The stages reached by a person who entered `entered`: each entered stage and every stage
    of the funnel before it (won and lost are outcomes after opportunity; customer implies won)."""
    ranks = {s: i for i, s in enumerate(["known", "mql", "sal", "sql", "opportunity"])}
    top = max((ranks.get(s, 4) for s in entered), default=0)
    reached = set(entered) | {s for s, i in ranks.items() if i <= top}
    if "customer" in entered:
        reached.add("won")
    return reached


# ---------------------------------------------------------------------------------------------
# the generator


class Generator:
    """One company's world, as its tools' exports hold it on one day.

    The world is fixed by the seed, the number of leads and the end of the generated period:
    each lead, sales-sourced opportunity and account draws from its own random stream and takes its
    IDs from its own range, so `as_of` (the export day, default the period's end) only cuts the same
    world at another day: a later day holds the same records, the leads that arrived since and what
    happened to everyone in between. For the same reason the leads can be simulated in parallel
    chunks, a chunk owning whole accounts, and the files are the same bytes however many processes
    ran them.
    """

    def __init__(self, landing: Path, leads: int, seed: int, end: date, rules: Rules,
                 progress: Callable[[int, int], None] | None = None, as_of: date | None = None,
                 chunks: int | None = None):
        self._args = (landing, leads, seed, end, rules, None, as_of, chunks)
        as_of = as_of or end
        if as_of < end:
            raise ValueError("the export day (as of) cannot be before the end of the generated period")
        self.landing = landing
        self.n_leads = leads
        self.seed = seed
        self.rng = _Random(seed)
        self.end_date = as_of  # the export day: the files' names and every cut-off
        self.end = datetime.combine(as_of, time(0, 0))  # exclusive: nothing happens on or after
        self.period_end = datetime.combine(end, time(0, 0))  # leads arrive until then, then at its rate
        self.start = datetime.combine(_month_add(date(end.year, end.month, 1), -MONTHS), time(0, 0))
        self.rules = rules
        self.progress = progress
        self.chunks = chunks or (1 if leads < 200_000 else CHUNKS)
        self.cal = BusinessCalendar(range(self.start.year, as_of.year + 2), rules)
        self.stamp = f"{as_of:%Y%m%d}"
        self._ids: dict[str, int] = {}
        self._fit_rules()
        self.subscription_starts: dict[str, list[date]] = defaultdict(list)
        # leads after the period's end arrive at the rate of its last day
        g, span_days = LEAD_GROWTH, (self.period_end - timedelta(days=2) - self.start).days
        self.extra_leads = round(leads * (as_of - end).days * (1 + g) / ((1 + g / 2) * span_days))

    # -- random streams and ids: one of each per lead, sales-sourced opportunity and account
    def _begin(self, stream: int, index: int, id_index: int) -> None:
        self._reseed(stream, index)
        self._ids = {kind: id_index * stride for kind, stride in ID_STRIDE.items()}

    def _reseed(self, stream: int, index: int) -> None:
        self.rng.seed(((self.seed * 8 + stream) << 40) + index)

    def _next(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    # -- scoring, from the rules file (the MA applies the same definition)
    def _fit_rules(self):
        fe = self.rules.scoring.fit_engagement
        self.fit_min, self.eng_min = fe.mql.fit_min, fe.mql.engagement_min
        self._size_points = [(r.min_employees, r.points) for r in fe.fit.company_size]
        self._title_rules = [(re.compile(r.pattern), r.points, r.level) for r in fe.fit.title]
        self._title_points: dict[str, float] = {}  # the rules by title, once per title
        self._title_levels: dict[str, str | None] = {}
        self._eng_rules = [(r.activity_type, r.asset_type, r.points) for r in fe.engagement]
        self._industry = fe.fit.industry
        self._region = fe.fit.region

    def fit_score(self, employees: int, industry: str, title: str, region: str) -> float:
        size = next(p for m, p in self._size_points if employees >= m)
        ind = self._industry.points.get(industry, self._industry.default)
        if title not in self._title_points:
            self._title_points[title] = next(
                (p for rx, p, _ in self._title_rules if title and rx.search(title)), 0)
        tit = self._title_points[title]
        reg = self._region.points.get(region, self._region.default)
        return size + ind + tit + reg

    def title_level(self, title: str) -> str | None:
        if title not in self._title_levels:
            self._title_levels[title] = next(
                (lvl for rx, _, lvl in self._title_rules if title and rx.search(title)), None)
        return self._title_levels[title]

    def engagement_points(self, activity_type: str, asset_type: str | None) -> float:
        for t, a, pts in self._eng_rules:
            if t == activity_type and (a is None or a == asset_type):
                return pts
        return 0.0

    # -- files
    def _open_files(self, part: int | None = None):
        """The export files; a chunk's `part` holds its rows only, appended to the files at the end."""
        L, rng, d = self.landing, self.rng, self.end_date
        ooo = {**DEFECT_RATES}
        self.f_ma_leads = ExportFile(
            L, part, f"ma/hubspot-contacts-export-{d:%Y-%m-%d}.csv",
            ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Company Name",
             "Company Domain Name", "Job Title", "Department", "Number of Employees", "Industry",
             "State/Region", "Create Date", "Original Source", "Original Source Drill-Down 2",
             "Lifecycle Stage", "Became a Marketing Qualified Lead Date", "Last Modified Date",
             "Contact owner", "Marketing contact status"],
            rng, rates=ooo, date_columns=["Create Date", "Last Modified Date"],
            required_columns=["Record ID", "Create Date"])
        self.f_ma_acts = ExportFile(
            L, part, f"ma/hubspot-activities-export-{d:%Y-%m-%d}.csv",
            ["Activity ID", "Contact ID", "Activity Type", "Activity Date", "Asset Type",
             "Asset Name", "Campaign ID"],
            rng, rates=ooo, date_columns=["Activity Date"],
            required_columns=["Contact ID", "Activity Date"])
        self.f_campaigns = ExportFile(
            L, part, f"ma/hubspot-campaigns-export-{d:%Y-%m-%d}.csv",
            ["Campaign ID", "Campaign Name", "Channel", "Start Date", "End Date", "Spend",
             "Currency"], rng)
        sf = dict(encoding="cp932", footer=SF_FOOTER)
        self.f_users = ExportFile(
            L, part, f"sfa/sfa-users-report-{self.stamp}.csv",
            ["ユーザー ID", "氏名", "ロール", "チーム", "上長", "メール", "有効"], rng, **sf)
        self.f_sfa_leads = ExportFile(
            L, part, f"sfa/sfa-leads-report-{self.stamp}.csv",
            ["リード ID", "MA リード ID", "姓", "名", "会社名", "役職", "メール", "電話", "リード所有者",
             "リード状況", "リードソース", "作成日", "MQL 通知日時", "MQL 日時", "予算", "決裁者",
             "ニーズ", "導入時期", "導入予定（月後）", "BANT メモ", "非 SQL 理由", "非 SQL 理由詳細",
             "判定日時", "商談 ID", "最終更新日"],
            rng, rates=ooo, date_columns=["作成日", "MQL 通知日時", "判定日時"],
            required_columns=["リード状況", "作成日"], **sf)
        self.f_sfa_acts = ExportFile(
            L, part, f"sfa/sfa-activities-report-{self.stamp}.csv",
            ["活動 ID", "リード ID", "商談 ID", "担当者", "種別", "日時", "結果", "件名"],
            rng, rates=ooo, date_columns=["日時"], required_columns=["種別", "日時"], **sf)
        self.f_opps = ExportFile(
            L, part, f"sfa/sfa-opportunities-report-{self.stamp}.csv",
            ["商談 ID", "商談名", "顧客マスタ ID", "取引先名", "リード ID", "取引先責任者 メール",
             "商談 所有者", "リードソース", "金額", "通貨", "フェーズ", "作成日", "完了予定日", "失注理由",
             "最終更新日"],
            rng, rates=ooo, date_columns=["作成日", "完了予定日"], required_columns=["フェーズ"],
            **sf)
        self.f_opp_hist = ExportFile(
            L, part, f"sfa/sfa-opportunity-history-report-{self.stamp}.csv",
            ["商談 ID", "フェーズ", "変更日時", "金額", "完了予定日"], rng, **sf)
        zoho = dict(encoding="utf-8-sig")
        self.f_accounts = ExportFile(
            L, part, f"crm/Accounts_{d:%Y_%m_%d}.csv",
            ["Record Id", "Account Name", "Website", "Industry", "Employees", "Account Type",
             "Parent Account.id", "Billing State", "Relationship Stage", "IT予算（推定）",
             "Account Owner", "Created Time", "Modified Time"],
            rng, rates={k: v for k, v in DEFECT_RATES.items() if k != "unparseable_date"},
            required_columns=["Account Name"], **zoho)
        self.f_contacts = ExportFile(
            L, part, f"crm/Contacts_{d:%Y_%m_%d}.csv",
            ["Record Id", "Account Name.id", "Email", "Last Name", "First Name", "Title",
             "Buying Role", "Created Time", "Modified Time"], rng, **zoho)
        self.f_subs = ExportFile(
            L, part, f"crm/Subscriptions_{d:%Y_%m_%d}.csv",
            ["Record Id", "Account Name.id", "Deal ID", "Plan", "Type", "MRR", "Currency",
             "Start Date", "End Date", "Status", "Modified Time"],
            rng, rates={"unparseable_date": 0.004, "missing_required": 0.004},
            date_columns=["Start Date"], required_columns=["MRR"], **zoho)
        self.f_nps = ExportFile(
            L, part, f"crm/NPS_Responses_{d:%Y_%m_%d}.csv",
            ["Record Id", "Account Name.id", "Contact Name.id", "Score", "Responded Time",
             "Comment"], rng, **zoho)
        self.files = [self.f_ma_leads, self.f_ma_acts, self.f_campaigns, self.f_users,
                      self.f_sfa_leads, self.f_sfa_acts, self.f_opps, self.f_opp_hist,
                      self.f_accounts, self.f_contacts, self.f_subs, self.f_nps]

    # -- reference data
    def _build_users(self):
        self.is_reps = {"east": [], "west": []}
        self.fs_reps = {"enterprise": [], "other": []}
        self.rep_profile = {}
        for name, uid, role, team, manager, speed, decide in N.SFA_USERS:
            role_label = {"is": "インサイドセールス", "fs": "フィールドセールス",
                          "cs": "カスタマーサクセス", "manager": "マネージャー"}[role]
            romaji = "user" + uid[-4:].lower()
            self.f_users.write([uid, name, role_label, team, manager,
                                f"{romaji}@leadjourney-demo.co.jp", "1"], corruptible=False)
            if role == "is":
                self.is_reps["east" if "東" in team else "west"].append(name)
                self.rep_profile[name] = (speed, decide)
            elif role == "fs":
                self.fs_reps["enterprise" if "エンタープライズ" in team else "other"].append(name)
        self.cs_reps = [u[0] for u in N.SFA_USERS if u[2] == "cs"]

    def _build_campaigns(self):
        self.campaigns: dict[tuple[str, int, int], list[str]] = {}
        month = self.start.date()
        last = _month_add(self.period_end.date(), 24)  # stories go on after the export day
        while month < last:
            for channel, (hs_source, _sf, theme) in N.CHANNELS.items():
                n = 2 if channel in ("webinar", "event", "paid_search") else 1
                for k in range(n):
                    cid = f"CMP-{month:%Y%m}-{CAMPAIGN_CODE[channel]}-{k + 1:02d}"
                    name = f"{month.year}年{month.month}月 {theme}" + (f" 第{k + 1}弾" if n > 1 else "")
                    ended = _month_add(month, 1) - timedelta(days=1)
                    base = {"event": 3_000_000, "paid_search": 1_500_000, "paid_social": 900_000,
                            "webinar": 400_000, "organic_search": 300_000, "email": 100_000,
                            "referral": 200_000, "direct": 50_000}[channel]
                    cost = round(base * self.rng.uniform(0.6, 1.4), -4)
                    self.f_campaigns.write([cid, name, hs_source, f"{month:%Y-%m-%d}",
                                            f"{ended:%Y-%m-%d}", f"{int(cost):,}", "JPY"],
                                           corruptible=False, visible=month < self.end_date)
                    self.campaigns.setdefault((channel, month.year, month.month), []).append(cid)
            month = _month_add(month, 1)

    def _build_accounts(self):
        rng = self.rng
        n = max(60, self.n_leads // 4)
        self.accounts = []
        domains: dict[str, int] = {}  # a company domain -> the accounts using it so far
        for i in range(n):
            core, core_r = rng.choice(N.COMPANY_CORES)
            suffix, suffix_r, industry = rng.choice(N.COMPANY_SUFFIXES)
            r = rng.random()
            if r < 0.60:
                segment, employees = "smb", rng.choice([8, 15, 25, 35, 45, 60, 75, 90])
            elif r < 0.90:
                segment, employees = "mid_market", rng.choice([120, 180, 250, 350, 500, 800])
            else:
                segment, employees = "enterprise", rng.choice([1200, 2000, 3500, 6000, 12000])
            name = f"株式会社{core}{suffix}" if rng.random() < 0.7 else f"{core}{suffix}株式会社"
            # the k-th account on a domain gets domain k (no romaji ends with a digit, so no numbered
            # domain is another's base)
            base = f"{core_r}-{suffix_r}"
            k = domains[base] = domains.get(base, 0) + 1
            domain = f"{base}.co.jp" if k == 1 else f"{base}{k}.co.jp"
            if k > 1:
                name = f"{name}（{N.PREFECTURES[k % len(N.PREFECTURES)][0][:-1]}）"
            pref, region, _ = rng.weighted(N.PREFECTURES, PREFECTURE_CUM_WEIGHTS)
            usd = segment == "enterprise" and rng.random() < 0.2
            spend = (round(employees * rng.uniform(80_000, 250_000), -5)
                     if segment != "smb" and rng.random() < 0.8 else None)
            self.accounts.append({
                "id": f"zcrm_5725767{i + 1:012d}", "name": name, "domain": domain,
                "currency": "USD" if usd else "JPY", "spend": spend,
                "industry": industry, "employees": employees, "segment": segment,
                "prefecture": pref, "region": region, "locals": set(), "contacts": [],
                "won": [], "created": self.start - timedelta(days=rng.randint(30, 2000)),
                "activity": 0,
            })
        weights = {"smb": 1.0, "mid_market": 3.0, "enterprise": 9.0}
        self._account_cum = np.cumsum([weights[a["segment"]] for a in self.accounts])
        # group companies: some enterprise accounts have a parent
        enterprises = [a for a in self.accounts if a["segment"] == "enterprise"]
        for a in enterprises[1::4]:
            a["parent"] = enterprises[0]["id"] if a is not enterprises[0] else ""

    def _pick_accounts(self, n: int, stream: int) -> np.ndarray:
        """The account index of each of `n` leads (or opportunities), larger accounts more often."""
        u = np.random.default_rng([self.seed, stream]).random(n)
        return np.searchsorted(self._account_cum, u * self._account_cum[-1], side="left")

    # -- persons
    def _new_person(self, account: dict, free_mail_ok: bool = True) -> dict:
        rng = self.rng
        last, last_r = rng.choice(N.SURNAMES)
        first, first_r = rng.choice(N.GIVEN_NAMES)
        title = rng.weighted(TITLES, TITLE_CUM_WEIGHTS)
        if free_mail_ok and account["segment"] == "smb" and rng.random() < 0.04:
            email = f"{first_r}.{last_r}.{self._person_index:x}@{rng.choice(N.FREE_MAIL)}"
        else:
            local = rng.choice([f"{first_r}.{last_r}", f"{first_r[0]}.{last_r}", f"{last_r}.{first_r}",
                                f"{last_r}{first_r[0]}"])
            base, k = local, 1
            while local in account["locals"]:
                k += 1
                local = f"{base}{k}"
            account["locals"].add(local)
            email = f"{local}@{account['domain']}"
        return {"last": last, "first": first, "title": title, "email": email,
                "phone": f"0{rng.randint(3, 9)}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                "department": rng.choice(N.DEPARTMENTS), "account": account,
                "level": self.title_level(title)}

    def _variant(self, email: str) -> str:
        """The same address as another system (or a person typing it) writes it."""
        r = self.rng.random()
        if r < 0.4:
            return email[0].upper() + email[1:]
        if r < 0.7:
            return email.upper()
        if r < 0.85:
            return f" {email} "
        return email.translate(FULLWIDTH)

    def _lead_time(self, index: int | None = None) -> datetime:
        """When lead `index` arrives: over the period, growing; after its end at the last day's rate."""
        rng = self.rng
        g = LEAD_GROWTH
        last = self.period_end - timedelta(days=2)
        if index is None or index < self.n_leads:
            u = (-1 + math.sqrt(1 + g * (2 + g) * rng.random())) / g
            t = self.start + (last - self.start) * u
        else:
            t = last + (self.end - self.period_end) * rng.random()
        if t.weekday() >= 5 and rng.random() < 0.6:
            t += timedelta(days=7 - t.weekday())
        hour = rng.weighted([rng.randint(9, 18), rng.randint(0, 23)], [0.75, 1.0])
        return t.replace(hour=hour, minute=rng.randint(0, 59), second=0, microsecond=0)

    def _campaign(self, channel: str, t: datetime) -> str:
        options = self.campaigns.get((channel, t.year, t.month), [""])
        return self.rng.choice(options)

    # -- MA activities for one engagement burst; returns [(time, type, asset)]
    def _engagement(self, t0: datetime, intent: float, first: tuple[str, str]) -> list:
        rng = self.rng
        acts = [(t0, *first)]
        n = int(rng.random() * (4 + 22 * intent))
        t = t0
        for _ in range(n):
            t += timedelta(hours=rng.expovariate(1 / (24 * (2 + 10 * (1 - intent)))))
            r = rng.random()
            if r < 0.35 - 0.15 * intent:
                a = ("page_view", rng.choice(["blog", "blog", "product_page"]))
            elif r < 0.5:
                a = ("page_view", "product_page")
            elif r < 0.56 + 0.08 * intent:
                a = ("page_view", "pricing_page")
            elif r < 0.70:
                a = ("email_open", "newsletter")
            elif r < 0.77:
                a = ("email_click", "newsletter")
            elif r < 0.85:
                a = ("document_download", rng.choice(["white_paper", "case_study"]))
            elif r < 0.90:
                a = ("webinar_registration", "event")
            elif r < 0.95:
                a = ("webinar_attendance", "event")
            elif r < 0.98:
                a = ("seminar_attendance", "event")
            else:
                a = ("consultation", "event")
            acts.append((t, *a))
        return acts

    def _write_ma_activities(self, lead_id: str, acts: list, channel: str) -> None:
        for t, atype, asset in acts:
            aid = f"{7_000_000_000 + self._next('ma_act')}"
            name = HS_ASSET_NAME.get(asset, "")
            campaign = self._campaign(channel, t) if asset in ("event", "newsletter") else ""
            self.f_ma_acts.write([aid, lead_id, HS_ACTIVITY[atype], _hs(t), HS_ASSET.get(asset, ""),
                                  name, campaign], visible=t < self.end)

    # -- one lead's whole story. The story is drawn to its end, whatever the export day: a row is
    # written when it has happened by then (`visible`), and takes its random draws either way, so a
    # later export day continues the same stories.
    def simulate_lead(self, index: int, account: dict) -> None:
        rng, end = self.rng, self.end
        self._person_index = index + 1
        person = self._new_person(account)
        channel = rng.weighted(CHANNELS, CHANNEL_CUM_WEIGHTS)
        alpha, beta, sql_adj = CHANNEL_PROFILE[channel]
        intent = rng.betavariate(alpha, beta)
        created = self._lead_time(index)
        fit = self.fit_score(account["employees"], account["industry"], person["title"],
                             account["region"])
        # 1% of MA records carry only a phone number. Their SFA rows are never corrupted: were one
        # quarantined, nothing left would tie the person's opportunity (known only by its contact
        # e-mail) to their MA record, and no identity rule could rejoin them.
        person["ma_email"] = person["email"] if rng.random() > 0.01 else ""
        facts = {"ma": [], "sfa": [], "opps": []}
        ma_id = f"{80_000_000 + self._next('ma_lead')}"
        direct_demo = channel == "direct" and rng.random() < 0.30
        first_act = (("form_submit", "demo_request") if direct_demo else
                     ("form_submit", "contact_form") if channel in ("organic_search", "paid_search",
                                                                    "paid_social", "referral") else
                     ("webinar_registration", "event") if channel == "webinar" else
                     ("form_submit", "contact_form") if channel == "event" else
                     ("email_click", "newsletter"))
        acts = self._engagement(created, intent, first_act)
        mql_at = None  # when the MA makes the lead an MQL (maybe after the export day)
        if not direct_demo:
            engagement = 0.0
            for t, atype, asset in acts:
                engagement += self.engagement_points(atype, asset)
                if fit >= self.fit_min and engagement >= self.eng_min:
                    mql_at = t + timedelta(minutes=rng.randint(1, 30))
                    break
            if mql_at is None and engagement >= 30 and rng.random() < 0.04:
                mql_at = acts[-1][0] + timedelta(minutes=rng.randint(1, 30))  # manual MQL
        self._write_ma_activities(ma_id, acts, channel)

        cycles = []
        if direct_demo:
            cycles.append(self.sfa_cycle(person, ma_id, channel, intent, fit, None,
                                         created + timedelta(minutes=rng.randint(2, 20)), True, facts))
        elif mql_at is not None and rng.random() < 0.93:
            notified = mql_at + timedelta(minutes=rng.randint(2, 20))
            cycles.append(self.sfa_cycle(person, ma_id, channel, intent, fit, mql_at, notified,
                                         False, facts))
        # recycled leads that come back
        while cycles and len(cycles) < 3:
            outcome, ended_at, _ = cycles[-1]
            if outcome == "recycle" and rng.random() < 0.30 or outcome == "lost" and rng.random() < 0.15:
                back = ended_at + timedelta(days=rng.randint(45, 240))
                if back >= self.period_end + timedelta(days=365):
                    break  # the story ends a year after the period
                re_acts = self._engagement(back, min(1.0, intent + 0.2), ("page_view", "pricing_page"))
                self._write_ma_activities(ma_id, re_acts, channel)
                acts.extend(re_acts)
                re_mql = back + timedelta(hours=rng.randint(1, 72))
                notified = re_mql + timedelta(minutes=rng.randint(2, 20))
                cycles.append(self.sfa_cycle(person, ma_id, channel, min(1.0, intent + 0.15), fit,
                                             re_mql, notified, False, facts))
            else:
                break

        shown_mql = mql_at if mql_at is not None and mql_at < end else None
        stage = ("customer" if any(f["stage"] == "closed_won" for f in facts["opps"]) else
                 "opportunity" if facts["opps"] else
                 "sql" if any(s["status"] == "sql" for s in facts["sfa"]) else
                 "mql" if shown_mql else "lead")
        hs_stage = {"customer": "Customer", "opportunity": "Opportunity",
                    "sql": "Sales Qualified Lead", "mql": "Marketing Qualified Lead", "lead": "Lead"}
        modified = max([created] + [a[0] for a in acts if a[0] < end] + ([shown_mql] if shown_mql else []))
        email = person["ma_email"]
        employees_label = next(lbl for m, lbl in HS_EMPLOYEES if account["employees"] >= m)
        row = [ma_id, person["first"], person["last"], email, person["phone"],
               account["name"], account["domain"] if rng.random() > 0.1 else "", person["title"],
               person["department"], employees_label if rng.random() > 0.005 else "",
               HS_INDUSTRY[account["industry"]] if rng.random() > 0.005 else "",
               account["prefecture"], _hs(created), N.CHANNELS[channel][0],
               self._campaign(channel, created), hs_stage[stage], _hs(shown_mql), _hs(modified),
               "", "Marketing contact"]
        if self.f_ma_leads.write(row):
            facts["ma"].append((created, ma_id, shown_mql is not None, channel))
        # the same person registered a second time in the MA with another spelling of the e-mail
        if email and rng.random() < 0.02:
            dup_created = created + timedelta(days=rng.randint(10, 200))
            dup_id = f"{900_000_000 + self._next('ma_dup')}"
            dup_channel = rng.choice(["webinar", "event", "organic_search"])
            dup_acts = self._engagement(dup_created, intent * 0.5, ("webinar_registration", "event"))
            self._write_ma_activities(dup_id, dup_acts, dup_channel)
            dup_modified = max([dup_created] + [a[0] for a in dup_acts if a[0] < end])
            dup_row = [dup_id, person["first"], person["last"], self._variant(email).strip(),
                       person["phone"], account["name"], "", person["title"], "", employees_label,
                       HS_INDUSTRY[account["industry"]],
                       account["prefecture"], _hs(dup_created), N.CHANNELS[dup_channel][0],
                       self._campaign(dup_channel, dup_created), "Lead", "",
                       _hs(dup_modified), "", "Marketing contact"]
            if self.f_ma_leads.write(dup_row, visible=dup_created < end):
                facts["ma"].append((dup_created, dup_id, False, dup_channel))
        if any(sql for _, _, sql in cycles):
            self._crm_contact(person, created,
                              visible=bool(facts["opps"]) or any(s["status"] == "sql" for s in facts["sfa"]))
        self.truth.add_person(facts)

    def _crm_contact(self, person: dict, created: datetime, visible: bool = True) -> None:
        account = person["account"]
        cid = f"zcrm_5725768{self._next('contact'):012d}"
        role = {"executive": "decision_maker", "director": "proposer", "manager": "influencer"}.get(
            person["level"], "user")
        email = self._variant(person["email"]).strip() if self.rng.random() < 0.2 else person["email"]
        if not visible:
            return
        self.f_contacts.write([cid, account["id"], email, person["last"], person["first"],
                               person["title"], BUYING_ROLE_LABEL[role], _zoho(created),
                               _zoho(min(created + timedelta(days=3), self.end - timedelta(minutes=1)))])
        account["contacts"].append(cid)

    # -- one hand-off to sales; returns (outcome, when it ended, whether it became an SQL), whatever
    # the export day shows of it
    def sfa_cycle(self, person, ma_id, channel, intent, fit, mql_at, notified, direct, facts):
        rng, cal, end = self.rng, self.cal, self.end
        account = person["account"]
        team = "east" if account["region"] in N.EAST_REGIONS else "west"
        owner = rng.choice(self.is_reps[team])
        speed, decide_days = self.rep_profile[owner]
        sfa_id = f"00Q5g{self._next('sfa_lead'):010d}"
        created = notified - timedelta(minutes=rng.randint(0, 3))
        activities = []  # (time, type, outcome)
        contacted = rng.random() > (0.01 if direct else 0.015)
        t = None
        if contacted:
            delay = speed * rng.lognormvariate(0, 1.0) if not direct else rng.uniform(3, 60)
            t = notified + timedelta(minutes=delay)
            opened = cal.next_open(t)
            t = t if opened == t else opened + timedelta(minutes=rng.randint(0, 60))
        reached = contacted and rng.random() < (0.92 if direct else 0.55 + 0.4 * intent)
        if contacted:
            max_attempts = rng.choice([1, 2, 3, 3, 4, 5, 6]) if not reached else rng.randint(1, 3)
            for k in range(max_attempts):
                last = k == max_attempts - 1
                atype = rng.choice(["call", "call", "email"])
                outcome = ("connected" if atype == "call" else "replied") if (reached and last) else (
                    rng.choice(["no_answer", "voicemail"]) if atype == "call" else "no_reply")
                activities.append((t, atype, outcome))
                t = cal.next_open(cal.add_business_days(t, rng.randint(1, 2))
                                  + timedelta(minutes=rng.randint(0, 300)))
        # the decision, then what the export day shows of it
        score_adj = 0.10 if fit >= 45 else (0.0 if fit >= 30 else -0.05)
        p_sql = (0.75 if direct else 0.05 + 0.42 * intent + CHANNEL_PROFILE[channel][2]
                 + SEGMENT_SQL_ADJ[account["segment"]] + score_adj)
        is_sql = reached and rng.random() < p_sql
        decided_at = None
        if activities and rng.random() > 0.01:
            base = activities[-1][0]
            days = max(0, int(round(decide_days * rng.lognormvariate(0, 0.6)))) if not direct else 0
            decided_at = cal.next_open(cal.add_business_days(base, days)
                                       + timedelta(minutes=rng.randint(5, 120)))
        reason = "unreachable" if not reached else rng.weighted(
            DISQUALIFY_REASONS, DISQUALIFY_CUM_WEIGHTS)
        recycled = reason in ("no_budget", "too_early", "info_gathering") and rng.random() < 0.6
        final = (None if decided_at is None else "sql" if is_sql else
                 "recycled" if recycled else "disqualified")
        shown_activities = [a for a in activities if a[0] < end]
        decided = decided_at is not None and decided_at < end
        status = final if decided else "working" if shown_activities else "open"
        if status not in ("disqualified", "recycled"):
            reason = None
        # BANT: a few reps call an SQL on one BANT item (the BANT rule's misses)
        sql_bant = rng.weighted([1, 2, 3, 4], SQL_BANT_CUM_WEIGHTS), rng.choice([1, 2, 3, 3, 6, 6, 9])
        other_bant = rng.weighted([0, 1], OTHER_BANT_CUM_WEIGHTS), rng.choice([6, 12, 18, None])
        order = ["need", "authority", "budget", "timeline"]
        rng.shuffle(order)
        yes, months = (sql_bant if status == "sql" else other_bant if reached and status != "open"
                       else (None, None))
        bant = ["", "", "", ""]
        if yes is not None:
            chosen = set(order[:yes])
            bant = ["有" if k in chosen else "無" for k in ("budget", "authority", "need", "timeline")]
        detail = ""
        reason_label = ""
        skipped_reason = rng.random() < 0.03  # the rep skipped the mandatory reason
        if reason is not None:
            if skipped_reason:
                reason = None
            else:
                reason_label = SF_REASON_LABEL[reason]
                detail = {"no_budget": "今期の予算確保が難しいとのこと", "too_early": "来期に再検討予定",
                          "competitor": "他社製品を導入済み", "info_gathering": "情報収集段階",
                          "unreachable": "複数回架電するも不在", "not_target": "個人利用のため対象外"}[reason]
        opp_id = ""
        outcome, ended = "open", decided_at or notified
        if final == "sql" and rng.random() < (0.9 if direct else 0.85):
            opp_id = f"0065g{self._next('opp'):010d}"
        email = self._variant(person["email"]) if person["email"] and rng.random() < 0.2 else (
            person["email"])
        modified = max([created] + [a[0] for a in shown_activities] + ([decided_at] if decided else []))
        out_of_order = rng.random() < OUT_OF_ORDER_RATE and decided
        early_decided = notified - timedelta(days=rng.randint(1, 3))
        shown_decided = early_decided if out_of_order else decided_at if decided else None
        opp_created = self._opportunity_opened(decided_at) if opp_id else None
        opp_shown = bool(opp_id) and opp_created < end
        row = [sfa_id, ma_id, person["last"], person["first"], account["name"], person["title"],
               email, person["phone"], owner, SF_STATUS_LABEL[status], N.CHANNELS[channel][1],
               _sf(created), _sf(notified), _sf(mql_at), *bant, months or "",
               "予算は来期要確認" if yes else "", reason_label, detail, _sf(shown_decided),
               opp_id if opp_shown else "", _sf(modified)]
        visible = created < end
        survived = self.f_sfa_leads.write(row, corruptible=not out_of_order and bool(person.get("ma_email")),
                                          visible=visible)
        if out_of_order:
            self.f_sfa_leads.count_flagged()
        any_activity_survived = False
        for at, atype, outc in activities:
            aid = f"00T5g{self._next('sfa_act'):010d}"
            subject = {"call": "初回架電", "email": "フォローメール"}.get(atype, "")
            if self.f_sfa_acts.write([aid, sfa_id, "", owner, SF_ACTIVITY_LABEL[atype], _sf(at),
                                      SF_OUTCOME_LABEL[outc], subject], visible=at < end):
                any_activity_survived = True
        if survived:
            facts["sfa"].append({"id": sfa_id, "created": created, "status": status,
                                 "mql": mql_at is not None, "source": channel,
                                 "activity": any_activity_survived})
        if final in ("disqualified", "recycled"):
            outcome = "recycle" if recycled or reason in ("too_early", "no_budget") else "dq"
        if opp_id:
            outcome, ended = self.opportunity(opp_id, sfa_id, person, channel, intent, opp_created,
                                              facts)
        return outcome, ended, final == "sql"

    def _opportunity_opened(self, decided_at: datetime) -> datetime:
        """When field sales opens the opportunity of an SQL decided at `decided_at`."""
        rng, cal = self.rng, self.cal
        return cal.next_open(cal.add_business_days(decided_at, rng.randint(0, 3))
                             + timedelta(minutes=rng.randint(10, 240)))

    def opportunity(self, opp_id, sfa_id, person, channel, intent, created, facts):
        rng, cal, end = self.rng, self.cal, self.end
        account = person["account"]
        segment = account["segment"]
        owner = rng.choice(self.fs_reps["enterprise" if segment == "enterprise" else "other"])
        lo, hi = SEGMENT_AMOUNT[segment]
        amount = round(rng.uniform(lo, hi), -4)
        if account["currency"] == "USD":
            amount = round(amount / USD_JPY, -2)
        won = rng.random() < SEGMENT_WIN[segment] * (0.6 + 0.9 * intent)
        step_days = {"smb": (2, 10), "mid_market": (4, 18), "enterprise": (8, 35)}[segment]
        last_stage = (len(OPEN_STAGES) - 1 if won else rng.randint(0, len(OPEN_STAGES) - 1))
        path = OPEN_STAGES[:last_stage + 1]
        if len(path) > 3 and rng.random() < 0.08:  # the buyer goes back a stage, then on again
            i = rng.randint(2, len(path) - 1)
            path = path[:i] + [path[i - 2]] + path[i - 1:]
        history = []
        t = created
        for stage in path:
            history.append((t, stage))
            t = cal.next_open(t + timedelta(days=rng.randint(*step_days), hours=rng.randint(0, 8)))
        closed_at = t
        history.append((closed_at, "closed_won" if won else "closed_lost"))
        lost_reason = rng.choice(list(SF_LOST_LABEL))
        out_of_order = rng.random() < OUT_OF_ORDER_RATE
        early_close = created.date() - timedelta(days=rng.randint(5, 30))
        contact_email = self._variant(person["email"]).strip() if rng.random() < 0.1 else person["email"]
        n_acts = rng.randint(1, 4 if segment != "enterprise" else 7)
        acts = []  # field-sales activities on the opportunity
        for _ in range(n_acts):
            at = cal.next_open(created + timedelta(days=rng.uniform(0, max(1, (closed_at - created).days))))
            atype = (rng.choice(["meeting", "web_meeting", "proposal", "executive_meeting",
                                 "key_person_meeting", "customer_consultation",
                                 "account_plan_update"]) if segment == "enterprise"
                     else rng.choice(["meeting", "web_meeting", "web_meeting", "proposal"]))
            acts.append((at, atype))
        shown = [h for h in history if h[0] < end]  # empty: not opened yet on the export day
        stage, modified = (shown or history)[-1][1], (shown or history)[-1][0]
        closed = stage in ("closed_won", "closed_lost")
        close_date = modified.date() if closed else (
            closed_at.date() if closed_at.date() >= self.end_date else self.end_date + timedelta(days=30))
        shown_close = early_close if out_of_order else close_date
        row = [opp_id, f"{account['name']} - 新規導入", account["id"], account["name"], sfa_id,
               contact_email, owner, N.CHANNELS[channel][1], f"{int(amount):,}", account["currency"],
               SF_STAGE_LABEL[stage], _sf(created), _sfd(shown_close),
               SF_LOST_LABEL[lost_reason] if stage == "closed_lost" else "", _sf(modified)]
        survived = self.f_opps.write(row, corruptible=not out_of_order, visible=bool(shown))
        if out_of_order and shown:
            self.f_opps.count_flagged()
        for ht, hstage in shown:
            self.f_opp_hist.write([opp_id, SF_STAGE_LABEL[hstage], _sf(ht), f"{int(amount):,}",
                                   _sfd(close_date)], corruptible=False)
        for at, atype in acts:
            self.f_sfa_acts.write([f"00T5g{self._next('sfa_act'):010d}", "", opp_id, owner,
                                   SF_ACTIVITY_LABEL[atype], _sf(at), "実施", "商談"], visible=at < end)
        if survived:
            facts["opps"].append({"id": opp_id, "created": created, "stage": stage,
                                  "account_id": account["id"], "close_date": shown_close,
                                  "source": channel})
        if shown and stage == "closed_won":
            account["won"].append((close_date, amount, opp_id))
        account["activity"] += len(shown)
        return "won" if won else "lost", closed_at

    def sales_sourced_opportunity(self, account: dict) -> None:
        """An opportunity sales found on its own (a referral): no MA or SFA lead behind it."""
        rng = self.rng
        person = self._new_person(account, free_mail_ok=False)
        facts = {"ma": [], "sfa": [], "opps": []}
        when = self._lead_time()
        opp_id = f"0065g{self._next('opp'):010d}"
        self.opportunity(opp_id, "", person, "referral", rng.uniform(0.4, 0.9),
                         self._opportunity_opened(when), facts)
        self._crm_contact(person, when)
        self.truth.add_person(facts)

    # -- customer master written at the end
    def write_account(self, index: int, account: dict) -> None:
        """The customer master's rows of account `index`, once all its leads were simulated. Its
        subscriptions, and its contacts and survey answers, draw from streams of their own, so a
        later export day, which may hold more of either, leaves the rest as it was."""
        rng = self.rng
        segment = account["segment"]
        cs_owner = rng.choice(self.cs_reps)
        fs_owner = rng.choice(self.fs_reps["enterprise" if segment == "enterprise" else "other"])
        modified = max(account["created"], self.period_end - timedelta(days=rng.randint(1, 300)))
        committee = [rng.randint(0, 400) for _ in range(rng.randint(0, 3 if segment != "smb" else 1))]
        self._reseed(4, index)
        lines = self._subscription_lines(account, self.end_date - timedelta(days=7))
        for line in lines:
            sid = f"zcrm_5725769{self._next('sub'):012d}"
            row = [sid, account["id"], line["opp"], line["plan"], line["type"],
                   f"{int(line['mrr'])}", account["currency"], f"{line['start']:%Y-%m-%d}",
                   f"{line['end']:%Y-%m-%d}" if line["end"] else "", line["status"],
                   _zoho(datetime.combine(line["end"] or line["start"], time(10, 0)))]
            if self.f_subs.write(row):
                self.subscription_starts[account["id"]].append(line["start"])
        self._reseed(5, index)
        if account["won"] or account["activity"]:  # extra buying-committee contacts for accounts with deals
            for days in committee:
                self._crm_contact(self._new_person(account, free_mail_ok=False),
                                  self.start + timedelta(days=days))
        if lines and account["contacts"]:
            self._nps(account, lines[0]["start"])
        stage = ""
        if segment == "enterprise":
            depth = min(len(RELATIONSHIP) - 1, account["activity"] // 6 + (2 if lines else 0))
            stage = RELATIONSHIP_LABEL[RELATIONSHIP[depth]]
        segment_label = {"smb": "SMB", "mid_market": "Mid-Market", "enterprise": "Enterprise"}
        self.f_accounts.write([
            account["id"], account["name"], f"https://www.{account['domain']}",
            ZOHO_INDUSTRY[account["industry"]], account["employees"],
            segment_label[segment], account.get("parent", ""), account["prefecture"],
            stage, f"{int(account['spend'])}" if account["spend"] else "", cs_owner if lines else fs_owner,
            _zoho(account["created"]), _zoho(min(modified, self.end - timedelta(minutes=1)))])

    def _subscription_lines(self, account: dict, last_start: date) -> list[dict]:
        rng = self.rng
        deals = sorted(account["won"])
        if not deals:
            return []
        lines: list[dict] = []
        churn = {"smb": 0.02, "mid_market": 0.01, "enterprise": 0.004}[account["segment"]]
        current = None

        def close_current(end_day: date, status: str):
            current["end"], current["status"] = end_day, status

        def open_line(start: date, mrr: float, type_: str, opp: str):
            nonlocal current
            plan = "Enterprise" if mrr >= 800_000 else "Business" if mrr >= 200_000 else "Standard"
            current = {"start": start, "end": None, "mrr": round(mrr, -2), "type": type_,
                       "opp": opp, "plan": plan, "status": "active"}
            lines.append(current)

        pending = list(deals)
        month = _month_add(pending[0][0], 1)
        while month <= last_start:
            due = [d for d in pending if _month_add(d[0], 1) <= month]
            for d in due:
                pending.remove(d)
                add = d[1] / 12
                if current is None or current["status"] != "active":
                    open_line(month, add, "new", d[2])
                elif current["start"] == month:
                    current["mrr"] = round(current["mrr"] + add, -2)
                else:
                    close_current(month - timedelta(days=1), "expired")
                    open_line(month, current["mrr"] + add, "upsell", d[2])
            if current is not None and current["status"] == "active" and current["start"] < month:
                age = (month.year - current["start"].year) * 12 + month.month - current["start"].month
                r = rng.random()
                if r < churn:
                    close_current(month - timedelta(days=1), "cancelled")
                elif r < churn + 0.012:
                    close_current(month - timedelta(days=1), "expired")
                    open_line(month, current["mrr"] * rng.uniform(1.2, 1.6), "upsell", "")
                elif r < churn + 0.018:
                    close_current(month - timedelta(days=1), "expired")
                    open_line(month, current["mrr"] * rng.uniform(0.7, 0.9), "downgrade", "")
                elif age >= 12 and age % 12 == 0:
                    close_current(month - timedelta(days=1), "expired")
                    open_line(month, current["mrr"], "renewal", "")
            month = _month_add(month, 1)
        return lines

    def _nps(self, account: dict, since: date) -> None:
        rng = self.rng
        health = rng.random()
        q = _month_add(since, 3)
        while q < self.end_date:
            for contact in rng.sample(account["contacts"], k=min(len(account["contacts"]),
                                                                  rng.randint(1, 2))):
                score = max(0, min(10, int(round(rng.gauss(5 + 4.5 * health, 1.8)))))
                t = datetime.combine(q, time(10, 0)) + timedelta(days=rng.randint(0, 20),
                                                                 minutes=rng.randint(0, 480))
                if t >= self.end:
                    continue
                comment = ("サポートが丁寧" if score >= 9 else "機能改善を期待" if score >= 7
                           else "使いこなせていない")
                self.f_nps.write([f"zcrm_5725770{self._next('nps'):012d}", account["id"], contact,
                                  score, _zoho(t), comment])
            q = _month_add(q, 3)

    # -- run
    def _prepare(self, accounts: bool = True) -> None:
        """Users, campaigns and accounts (one stream, in order), and each lead's account; the main
        process of a parallel run writes the users and campaigns only (the chunks, the rest)."""
        self._build_users()
        self._build_campaigns()
        if not accounts:
            return
        # Millions of long-lived records without cycles: collecting while they are built would only
        # rescan them (a third of the time of building them at 10M leads).
        gc.disable()
        try:
            self._build_accounts()
        finally:
            gc.enable()
        n_sales = max(1, self.n_leads // 200)
        self._lead_accounts = self._pick_accounts(self.n_leads + self.extra_leads, stream=1)
        self._sales_accounts = self._pick_accounts(n_sales, stream=2)

    def run(self) -> dict:
        self._open_files()
        self._prepare(accounts=self.chunks == 1)
        self._main_files = self.files
        if self.chunks == 1:
            self._done = [0]
            results = [self._simulate_chunk(0)]
        else:
            # Spawned, not forked, workers: the caller may have threads (a test runner, a server),
            # and a fork copies their locks held. Each worker prepares the same reference data.
            # A worker that dies raises BrokenProcessPool here (a Pool would wait for it forever).
            ctx = multiprocessing.get_context("spawn")
            self._done = ctx.Array("q", self.chunks, lock=False)
            with ProcessPoolExecutor(min(self.chunks, threads()), mp_context=ctx, initializer=_start_worker,
                                     initargs=(self._args, self._done)) as pool:
                pending = [pool.submit(_simulate_chunk, k) for k in range(self.chunks)]
                while wait(pending, timeout=1).not_done:
                    self._report()
                results = [f.result() for f in pending]
        self._report()
        self.files = self._main_files
        for f in self.files:
            for k, result in enumerate(results, start=1):
                f.append_part(k, *result["files"][f.name])
            f.close()
        self.truth = Truth()
        for result in results:
            self.truth.merge(result["truth"])
        quarantine_kinds = ("malformed_line", "unparseable_date", "missing_required", "duplicate_id")
        defects = {f.name: dict(sorted(f.defects.items())) for f in self.files if f.defects}
        return {
            "version": TRUTH_VERSION,
            "generator": {"leads": self.n_leads, "end_date": self.period_end.date().isoformat(),
                          "as_of": self.end_date.isoformat(), "period_start": self.start.date().isoformat(),
                          "leads_after_end": self.extra_leads},
            "files": {f.name: {"data_rows": f.rows_written} for f in self.files},
            "defects": defects,
            "quarantine_kinds": list(quarantine_kinds),
            "quarantined_rows_total": sum(n for kinds in defects.values()
                                          for k, n in kinds.items() if k in quarantine_kinds),
            "flagged_rows_total": sum(kinds.get("out_of_order", 0) for kinds in defects.values()),
            "journey_leads": self.truth.persons,
            "stage_leads": self.truth.stage_leads(),
        }

    def _simulate_chunk(self, k: int) -> dict:
        """Chunk `k`: the leads, sales-sourced opportunities and customer master of the accounts
        whose index is k modulo the number of chunks, written to part files."""
        self.truth = Truth()
        self.subscription_starts = defaultdict(list)
        self._open_files(part=k + 1)
        accounts = self.accounts
        leads = np.flatnonzero(self._lead_accounts % self.chunks == k).tolist()
        sales = np.flatnonzero(self._sales_accounts % self.chunks == k).tolist()
        # the leads of the period, the sales-sourced opportunities, then the leads after its end: a
        # later export day adds persons after those of the day before (each account's e-mail
        # addresses are kept unique in this order)
        later = bisect.bisect_left(leads, self.n_leads)
        work = ([(1, i) for i in leads[:later]] + [(2, j) for j in sales]
                + [(1, i) for i in leads[later:]])
        done = 0
        for stream, i in work:
            if stream == 1:
                self._begin(1, i, i)
                self.simulate_lead(i, accounts[self._lead_accounts[i]])
                done += 1
                if done % 1000 == 0:
                    self._done[k] = done
                    if self.chunks == 1:
                        self._report()
            else:
                self._begin(2, i, SALES_ID_INDEX + i)
                self.sales_sourced_opportunity(accounts[self._sales_accounts[i]])
        self._done[k] = done
        for a in range(k, len(accounts), self.chunks):
            self._begin(3, a, ACCOUNT_ID_INDEX + a)
            self.write_account(a, accounts[a])
        self.truth.finish(self.subscription_starts)
        for f in self.files:
            f.close()
        return {"truth": self.truth, "files": {f.name: (f.rows_written, f.defects) for f in self.files}}

    def _report(self) -> None:
        if self.progress:
            total = self.n_leads + self.extra_leads
            self.progress(sum(self._done), total)


_RUNNING: Generator | None = None  # a worker's generator


def _start_worker(args: tuple, done) -> None:
    global _RUNNING
    _RUNNING = Generator(*args)
    _RUNNING._done = done
    _RUNNING._open_files(part=-os.getpid())  # the reference data's rows: the main process writes them
    _RUNNING._prepare()
    for f in _RUNNING.files:
        f.discard()


def _simulate_chunk(k: int) -> dict:
    return _RUNNING._simulate_chunk(k)


def generate(root: Path, leads: int = 20_000, seed: int = 42, end_date: date | None = None,
             rules: Rules | None = None, progress: Callable[[int, int], None] | None = None,
             as_of: date | None = None, chunks: int | None = None) -> dict:
    """Write demo extracts into `root/landing/` and the ground truth to `root/demo_truth.json`.

    `leads` arrive over the 18 months before `end_date`; `as_of`, a later day, writes the exports of
    the same company as its tools hold them that day (the next daily export). `chunks` only changes
    how the work is split (the default depends on `leads`): the rows are the same."""
    if leads < 1:
        raise ValueError("--leads must be at least 1")
    end = end_date or today_jst()
    landing = Path(root) / "landing"
    gen = Generator(landing, leads, seed, end, rules or load_rules(None), progress, as_of, chunks)
    truth = gen.run()
    truth["generator"]["seed"] = seed
    (Path(root) / "demo_truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=2), encoding="utf-8")
    return truth
