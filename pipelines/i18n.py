"""User-facing labels for the codes the warehouse stores, in Japanese and English.

One dictionary for every place that shows a code to a person (exports, dashboard, deck).
"""

from __future__ import annotations

from pipelines.contract import NO_VALUE

CODE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "stage": {
        "known": ("認知", "Known"),
        "mql": ("MQL", "MQL"),
        "sal": ("SAL", "SAL"),
        "sql": ("SQL", "SQL"),
        "opportunity": ("商談", "Opportunity"),
        "won": ("受注", "Won"),
        "lost": ("失注", "Lost"),
        "customer": ("顧客", "Customer"),
        "advocate": ("推奨者", "Advocate"),
        "disqualified": ("不適格", "Disqualified"),
        "recycled": ("ナーチャリング", "Recycled"),
        "non_sql": ("非 SQL", "Non-SQL"),  # a dormant lead's last stage: decided non-SQL
    },
    "channel": {
        "organic_search": ("自然検索", "Organic search"),
        "paid_search": ("リスティング広告", "Paid search"),
        "paid_social": ("SNS広告", "Paid social"),
        "event": ("展示会", "Events"),
        "webinar": ("ウェビナー", "Webinars"),
        "referral": ("紹介", "Referrals"),
        "direct": ("直接（デモ依頼）", "Direct (demo requests)"),
        "email": ("メール", "E-mail"),
        "organic_social": ("SNS（自然）", "Organic social"),
        "partner": ("パートナー", "Partners"),
        "other": ("その他", "Other"),
        "unknown": ("不明", "Unknown"),
    },
    # the canonical industry codes (the mappings' value labels and scoring.fit.industry use them)
    "industry": {
        "manufacturing": ("製造", "Manufacturing"),
        "it_communications": ("情報通信", "IT & communications"),
        "finance": ("金融・保険", "Finance & insurance"),
        "retail": ("卸売・小売", "Wholesale & retail"),
        "services": ("サービス", "Services"),
        "healthcare": ("医療・福祉", "Healthcare"),
        "construction": ("建設", "Construction"),
        "real_estate": ("不動産", "Real estate"),
        "education": ("教育", "Education"),
        "other": ("その他", "Other"),
    },
    "segment": {
        "smb": ("SMB", "SMB"),
        "mid_market": ("中堅", "Mid-market"),
        "enterprise": ("エンタープライズ", "Enterprise"),
        "unknown": ("不明", "Unknown"),
    },
    "reason": {
        "no_budget": ("予算なし", "No budget"),
        "too_early": ("時期尚早", "Too early"),
        "competitor": ("競合", "Competitor"),
        "info_gathering": ("情報収集のみ", "Information gathering only"),
        "unreachable": ("連絡不通", "Unreachable"),
        "not_target": ("対象外", "Not a target"),
        "missing_features": ("機能不足", "Missing features"),
        "deprioritised": ("優先度低下", "Deprioritised"),
        "missing": ("（未入力）", "(missing)"),
    },
    "decision": {"sql": ("SQL", "SQL"), "non_sql": ("非 SQL", "Non-SQL"), "pending": ("未判定", "Pending")},
    "scoring_model": {
        "fit_engagement": ("属性スコア × 行動スコア", "Fit × engagement"),
        "additive": ("加点モデル", "Additive points"),
    },
    "sla_rule": {
        "first_contact": ("初回接触期限", "First contact deadline"),
        "attempts": ("接触試行回数", "Attempts"),
        "decision": ("判定期限（営業日）", "Decision deadline"),
        "reason": ("非 SQL 理由の入力", "Non-SQL reason"),
        "bant": ("BANT 基準", "BANT rule"),
        "all": ("SLA すべて", "All SLA rules"),
    },
    "sla_status": {"due": ("期限内", "Due"), "overdue": ("期限超過", "Overdue")},
    "follow_up": {
        "contacted": ("接触済み", "Contacted"),
        "awaiting": ("接触待ち（期限内）", "Awaiting (within deadline)"),
        "overdue": ("期限超過", "Overdue"),
    },
    "action": {
        "nurture": ("ナーチャリングへ", "Back to nurture"),
        "reapproach": ("再アプローチ", "Re-approach"),
    },
    "recycle_source": {"non_sql": ("非 SQL", "Non-SQL"), "lost": ("失注", "Lost")},
    "outcome": {"won": ("受注", "Won"), "lost": ("失注", "Lost"), "open": ("進行中", "Open")},
    # the buyer's process (contract.OPPORTUNITY_STAGES)
    "opportunity_stage": {
        "problem_recognised": ("課題認識", "Problem recognised"),
        "information_gathering": ("情報収集", "Information gathering"),
        "comparison": ("比較検討", "Comparison"),
        "internal_approval": ("社内稟議", "Internal approval"),
        "decision": ("意思決定", "Decision"),
        "negotiation": ("交渉", "Negotiation"),
        "closed_won": ("受注（契約）", "Closed won (contract)"),
        "closed_lost": ("失注", "Closed lost"),
    },
    # opportunity_outcomes.forecast_category (pipeline.stages' forecast)
    "forecast_category": {
        "closed": ("受注済み", "Closed won"),
        "commit": ("コミット", "Commit"),
        "best_case": ("ベストケース", "Best case"),
        "pipeline": ("パイプライン", "Pipeline"),
        "omitted": ("対象外", "Omitted"),
        "unmapped": ("ステージ未対応", "Stage not mapped"),
    },
    "boolean": {"true": ("はい", "Yes"), "false": ("いいえ", "No")},
    "relationship_stage": {
        "contact_built": ("接点構築", "Contact built"),
        "issues_shared": ("課題共有", "Issues shared"),
        "co_created_proposal": ("共創提案", "Co-created proposal"),
        "executive_involvement": ("経営層の関与", "Executive involvement"),
        "trust_established": ("信頼関係の確立", "Trust established"),
        "spread_inside": ("社内展開", "Spread inside the customer"),
        "spread_outside": ("社外展開", "Spread outside"),
    },
    "kpi": {
        "mql_to_sql": ("MQL→SQL", "MQL→SQL"),
        "sql_to_opportunity": ("SQL→商談", "SQL→opportunity"),
        "opportunity_to_won": ("商談→受注", "Opportunity→won"),
        "sql_to_won": ("SQL→受注", "SQL→won"),
        "mql_to_won": ("MQL→受注", "MQL→won"),
        # the department KPIs (marts.department_kpis_monthly)
        "mqls": ("MQL 数", "MQLs"),
        "campaign_cost": ("キャンペーン費用", "Campaign cost"),
        "cost_per_mql": ("MQL 単価", "Cost per MQL"),
        "cost_per_sql": ("SQL 単価", "Cost per SQL"),
        "cost_per_won": ("受注単価", "Cost per won deal"),
        "calls": ("架電数", "Calls"),
        "connected_calls": ("接続数", "Connected calls"),
        "connect_rate": ("接続率", "Connect rate"),
        "appointments": ("アポ獲得数", "Appointments"),
        "appointment_rate": ("アポ率", "Appointment rate"),
        "sqls": ("SQL 数", "SQLs"),
        "sla_first_contact": ("初回接触 SLA 遵守率", "First-contact SLA met"),
        "sla_all": ("SLA 遵守率（全ルール）", "SLA met (all rules)"),
        "first_contact_hours": ("初回接触までの平均時間（時間）", "Avg hours to first contact"),
        "opportunities": ("商談創出数", "Opportunities created"),
        "won_deals": ("受注数", "Deals won"),
        "lost_deals": ("失注数", "Deals lost"),
        "win_rate": ("受注率", "Win rate"),
        "won_amount": ("受注金額", "Won amount"),
        "avg_sales_cycle_days": ("平均商談期間（日）", "Avg sales cycle (days)"),
        "customers_at_start": ("月初の顧客数", "Customers at start"),
        "churned_customers": ("解約顧客数", "Churned customers"),
        "churn_rate": ("解約率", "Churn rate"),
        "expanded_customers": ("アップセル顧客数", "Customers expanded"),
        "upsell_rate": ("アップセル率", "Upsell rate"),
        "net_revenue_retention": ("NRR（12 か月）", "NRR (12 months)"),
        "gross_revenue_retention": ("GRR（12 か月）", "GRR (12 months)"),
        "nps": ("NPS", "NPS"),
        "nps_responses": ("NPS 回答数", "NPS responses"),
    },
    "department": {
        "marketing": ("マーケティング", "Marketing"),
        "inside_sales": ("インサイドセールス", "Inside sales"),
        "field_sales": ("フィールドセールス", "Field sales"),
        "customer_success": ("カスタマーサクセス", "Customer success"),
    },
    # the fields the data-quality checks name (meta.dq_results.column_name)
    "field": {
        "owner": ("担当者", "Owner"), "employees": ("従業員数", "Employees"),
        "segment": ("セグメント", "Segment"), "buying_role": ("購買関与ロール", "Buying role"),
        "email_normalized": ("メール（正規化）", "E-mail (normalised)"), "score": ("スコア", "Score"),
        "mrr": ("MRR", "MRR"), "currency": ("通貨", "Currency"),
        "subscription_type": ("契約種別", "Subscription type"), "cost": ("費用", "Cost"),
        "channel": ("チャネル", "Channel"), "industry": ("業種", "Industry"),
        "person_name": ("氏名", "Name"), "original_channel": ("流入チャネル", "Original channel"),
        "amount": ("金額", "Amount"), "stage": ("ステージ", "Stage"), "role": ("ロール", "Role"),
        "age_days": ("経過日数", "Age (days)"), "decided_at": ("判定日時", "Decided at"),
        "first_contact_at": ("初回接触日時", "First contact at"),
        "non_sql_reason": ("非 SQL 理由", "Non-SQL reason"),
        "notified_time": ("MQL 通知日時", "Notified at"), "record_id": ("活動種別", "Activity type"),
        "end_date": ("終了日", "End date"), "ended_on": ("終了日", "Ended on"),
        "account_found": ("CRM のアカウントと照合", "Account found in the CRM"),
        "share_with_lead": ("リードに紐づく活動の割合", "Share of activities with a lead"),
        "company_name": ("会社名", "Company"), "email_or_phone": ("メールまたは電話", "E-mail or phone"),
        "title": ("役職", "Title"), "disqualification_reason": ("不適格理由", "Disqualification reason"),
        "ma_lead_found": ("MA リードと照合", "MA lead found"), "status": ("ステータス", "Status"),
        "close_date": ("完了予定日", "Close date"), "lead_id": ("リード ID", "Lead id"),
        "sfa_lead_id": ("SFA リード ID", "SFA lead id"),
    },
    "extract": {
        "ma_leads": ("MA リード", "MA leads"),
        "ma_activities": ("MA 行動履歴", "MA activities"),
        "ma_campaigns": ("MA キャンペーン", "MA campaigns"),
        "sfa_users": ("SFA ユーザー", "SFA users"),
        "sfa_leads": ("SFA リード", "SFA leads"),
        "sfa_activities": ("SFA 活動履歴", "SFA activities"),
        "sfa_opportunities": ("SFA 商談", "SFA opportunities"),
        "sfa_opportunity_history": ("SFA 商談履歴", "SFA opportunity history"),
        "crm_accounts": ("CRM 取引先", "CRM accounts"),
        "crm_contacts": ("CRM 取引先責任者", "CRM contacts"),
        "crm_subscriptions": ("CRM 契約", "CRM subscriptions"),
        "crm_nps": ("CRM NPS", "CRM NPS"),
        "stage_events": ("ステージ履歴", "Stage history"),
    },
    "load_status": {"loaded": ("取り込み済み", "Loaded"), "rejected": ("拒否", "Rejected"),
                    "unchanged": ("変更なし", "Unchanged"), "unmatched": ("対応なし", "Unmatched"),
                    "superseded": ("置き換え済み", "Superseded"), "ignored": ("対象外", "Ignored")},
    "suite": {
        "lead_fields_completeness_ma": ("SLA 項目の入力率（MA）", "SLA lead fields complete (MA)"),
        "lead_fields_completeness_sfa": ("SLA 項目の入力率（SFA）", "SLA lead fields complete (SFA)"),
        "handoff_completeness": ("引き渡し項目の入力率（営業側）", "Hand-off fields complete (sales side)"),
        "source_freshness": ("ソースの鮮度", "Source freshness"),
        "ma_leads_validity": ("MA リードの妥当性", "MA leads validity"),
        "ma_activity_types": ("MA 行動履歴の整合性", "MA activities integrity"),
        "sfa_leads_validity": ("SFA リードの妥当性", "SFA leads validity"),
        "sfa_activity_types": ("SFA 活動履歴の整合性", "SFA activities integrity"),
        "opportunities_validity": ("商談の妥当性", "Opportunities validity"),
        "stage_history_validity": ("商談履歴の妥当性", "Opportunity history validity"),
        "users_validity": ("ユーザーの妥当性", "Users validity"),
        "accounts_validity": ("取引先の妥当性", "Accounts validity"),
        "contacts_validity": ("取引先責任者の妥当性", "Contacts validity"),
        "subscriptions_validity": ("契約の妥当性", "Subscriptions validity"),
        "campaigns_validity": ("キャンペーンの妥当性", "Campaigns validity"),
        "nps_validity": ("NPS の妥当性", "NPS validity"),
        "dbt_tests": ("変換時の整合性テスト（dbt）", "Integrity tests during transformation (dbt)"),
    },
    "dimension": {
        "channel": ("チャネル", "Channel"),
        "campaign": ("キャンペーン", "Campaign"),
        "segment": ("セグメント", "Segment"),
        "industry": ("業種", "Industry"),
        "size_band": ("従業員規模", "Company size"),
        "region": ("地域", "Region"),
        "owner": ("担当者", "Owner"),
    },
}


# What the marts store when a value is missing (NO_VALUE), for any kind of code; a source's own
# "unknown" keeps its own label.
UNKNOWN = ("不明", "Unknown")
NOT_SET = ("未設定", "Not set")


def field_label(name: str, lang: str) -> str:
    """A checked field as people read it: a field (first_contact_at -> 初回接触日時), or a link
    between extracts (ma_activities.lead_id → ma_leads.lead_id -> MA 行動履歴のリード ID → …)."""
    if not isinstance(name, str):  # no field (None, NaN)
        return ""

    def one(part: str) -> str:
        table, _, column = part.strip().rpartition(".")
        if not table:
            return code_label("field", column, lang)
        joiner = "の" if lang == "ja" else " "
        return code_label("extract", table, lang) + joiner + code_label("field", column, lang)

    return " → ".join(one(part) for part in str(name).split("→"))


def code_label(kind: str, code: object, lang: str) -> str:
    """The label of `code` (a value of kind `kind`) in `lang`; the code itself when it has none
    (names, campaign ids), 未設定 / Not set for the marts' empty bucket (NO_VALUE) and
    不明 / Unknown for a source's own 'unknown'."""
    if code is None or str(code) in ("nan", "NaN", "<NA>", "NaT"):  # None, NaN, pandas' NA: no value
        return ""
    key = str(code).lower() if kind == "boolean" else str(code)
    labels = CODE_LABELS.get(kind, {}).get(
        key, NOT_SET if key == NO_VALUE else UNKNOWN if key == "unknown" else None)
    if labels is None:
        return str(code)
    return labels[0] if lang == "ja" else labels[1]
