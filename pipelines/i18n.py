"""User-facing labels for the codes the warehouse stores, in Japanese and English.

One dictionary for every place that shows a code to a person (exports, dashboard, deck).
"""

from __future__ import annotations

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
        "unknown": ("不明", "Unknown"),
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
    },
    "decision": {"sql": ("SQL", "SQL"), "non_sql": ("非 SQL", "Non-SQL"), "pending": ("未判定", "Pending")},
    "sla_rule": {
        "first_contact": ("初回接触期限", "First contact deadline"),
        "attempts": ("接触試行回数", "Attempts"),
        "decision": ("判定期限（営業日）", "Decision deadline"),
        "reason": ("非 SQL 理由の入力", "Non-SQL reason"),
        "all": ("すべて", "All"),
    },
    "sla_status": {"due": ("期限内", "Due"), "overdue": ("期限超過", "Overdue")},
    "action": {
        "nurture": ("ナーチャリングへ", "Back to nurture"),
        "reapproach": ("再アプローチ", "Re-approach"),
    },
    "recycle_source": {"non_sql": ("非 SQL", "Non-SQL"), "lost": ("失注", "Lost")},
    "outcome": {"won": ("受注", "Won"), "lost": ("失注", "Lost"), "open": ("進行中", "Open")},
    "boolean": {"true": ("はい", "Yes"), "false": ("いいえ", "No")},
}


def code_label(kind: str, code: object, lang: str) -> str:
    """The label of `code` (a value of kind `kind`) in `lang`; the code itself when unknown."""
    if code is None:
        return ""
    key = str(code).lower() if kind == "boolean" else str(code)
    labels = CODE_LABELS.get(kind, {}).get(key)
    if labels is None:
        return str(code)
    return labels[0] if lang == "ja" else labels[1]
