"""Dashboard and deck wording in Japanese and English, and locale formatting of numbers, money and
dates. Codes stored in the warehouse are labelled by `pipelines.i18n.code_label`."""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

TEXT: dict[str, tuple[str, str]] = {
    # app shell
    "language": ("言語", "Language"),
    "filters": ("フィルター", "Filters"),
    "period": ("期間（月）", "Period (months)"),
    "period_custom": ("指定した月", "Months chosen"),
    "period_last_month": ("先月", "Last month"),
    "period_last_12_months": ("直近 12 か月", "Last 12 months"),
    "period_this_fiscal_quarter": ("今四半期（会計年度）", "This fiscal quarter"),
    "period_fiscal_year_to_date": ("今年度累計", "Fiscal year to date"),
    "period_previous_fiscal_year": ("前年度", "Previous fiscal year"),
    "compare": ("比較対象", "Compare with"),
    "compare_prev_month": ("前月", "The month before"),
    "compare_prev_year": ("前年同月", "The same month a year before"),
    "from": ("開始月", "From"),
    "to": ("終了月", "To"),
    "all_values": ("すべて", "All"),
    "dim_channel": ("チャネル", "Channel"),
    "dim_campaign": ("キャンペーン", "Campaign"),
    "dim_segment": ("セグメント", "Segment"),
    "dim_industry": ("業種", "Industry"),
    "dim_size_band": ("従業員規模", "Company size"),
    "dim_region": ("地域", "Region"),
    "dim_owner": ("担当者", "Owner"),
    "reset_filters": ("フィルターをリセット", "Reset filters"),
    "share_hint": (
        "URL にフィルターが含まれるため、そのまま共有できます。",
        "The filters are in the URL: share the link to share this view.",
    ),
    "data_as_of": ("データ基準日時", "Data as of"),
    "published_at": ("公開日時", "Published"),
    "no_serving": (
        "公開済みデータがありません。`uv run leadjourney demo` または `leadjourney run` を実行してください: {path}",
        "No published data yet. Run `uv run leadjourney demo` or `leadjourney run`: {path}",
    ),
    "no_data": ("条件に一致するデータがありません。", "No data for these filters."),
    "stale_serving": (
        "公開済みデータが古い形式です。`leadjourney run` で再公開してください: {path}（{error}）",
        "The published copy has an older layout: run `leadjourney run` to republish {path} ({error})",
    ),
    "download_csv": ("CSV をダウンロード", "Download CSV"),
    "rows_shown": ("{shown:,} 件を表示（全 {total:,} 件）", "Showing {shown:,} of {total:,} rows"),
    "masked_note": (
        "個人情報はマスクしています（ルールファイル locale.mask_personal_data）。",
        "Personal data is masked (rules file: locale.mask_personal_data).",
    ),
    "filters_not_applied": (
        "このグラフは全社の数値です（リードのフィルターは適用されません）。",
        "Company-wide figure: the lead filters do not apply here.",
    ),
    "young_note": (
        "薄い色の月は若いコホート（成熟期間 {days} 日未満）で、まだ評価できません。",
        "Pale months are young cohorts (under {days} days of maturity): too early to judge.",
    ),
    "target": ("目標", "Target"),
    "target_band": ("目標レンジ", "Target band"),
    "month": ("月", "Month"),
    "leads": ("リード数", "Leads"),
    "rate": ("率", "Rate"),
    "status": ("状況", "Status"),
    "target_status": ("目標との比較", "Against target"),
    "status_below": ("目標未達", "Below target"),
    "status_in_band": ("目標内", "In band"),
    "status_above": ("目標超過", "Above target"),
    "status_no_data": ("データなし", "No data"),
    "status_not_measurable": ("測定不可", "Not measurable"),
    "partial_suffix": ("（途中）", " (partial)"),
    "status_not_enough_data": ("件数不足", "Not enough data"),
    "kpi_win_rate": ("勝率（{month}）", "Win rate ({month})"),
    "kpi_win_rate_help": (
        "受注 {won} 件 ÷（受注 {won} 件＋失注 {lost} 件）。商談中の案件は含みません。前月比。",
        "Won {won} ÷ (won {won} + lost {lost}); open deals are counted apart. Change vs last month.",
    ),
    "not_measurable": ("測定不可", "Not measurable"),
    "not_measurable_help": (
        "読み込んだソースには、この指標に必要な {what} がありません。",
        "The loaded sources carry no {what}, which this measure needs.",
    ),
    "not_measurable_notice": (
        "読み込んだソースでは測定できない指標があります（{what} を含むソースがありません）。該当する数値は「測定不可」と表示し、0 とはみなしません。",
        "Some measures are not measurable with the loaded sources (none carries {what}); they show as "
        "'Not measurable', never as zero.",
    ),
    # pages
    "page_executive": ("経営サマリー", "Executive overview"),
    "page_funnel": ("ファネル", "Funnel"),
    "page_bottlenecks": ("ボトルネック", "Bottlenecks"),
    "page_sla": ("SLA", "SLA"),
    "page_scoring": ("リード品質・スコアリング", "Lead quality & scoring"),
    "page_accounts": ("アカウント", "Accounts"),
    "page_quality": ("データ品質", "Data quality"),
    "page_review": ("月次レビュー", "Monthly review"),
    "page_weekly": ("今週の対応", "This week"),
    "page_pipeline": ("パイプラインと予測", "Pipeline & forecast"),
    "page_campaigns": ("キャンペーン・チャネル", "Campaigns & channels"),
    "page_departments": ("部門別 KPI", "Department KPIs"),
    "section_analysis": ("分析", "Analysis"),
    "section_operations": ("運用", "Operations"),
    # executive
    "delta_prev_month": ("前月比", "vs last month"),
    "delta_prev_year": ("前年同月比", "vs a year before"),
    "delta_target": ("目標比", "vs target"),
    "delta_band_low": ("目標下限比", "vs band low"),
    "kpi_arr": ("ARR（{month}末）", "ARR (end of {month})"),
    "kpi_new_arr": ("新規 ARR（{fy} 年度累計）", "New ARR (FY{fy} to date)"),
    "kpi_new_arr_help": (
        "年度目標 {target} に対する達成率 {share}",
        "{share} of the {target} fiscal-year target",
    ),
    "kpi_coverage": ("パイプラインカバレッジ", "Pipeline coverage"),
    "kpi_coverage_help": ("残り目標に対するオープン商談額", "Open pipeline over the remaining target"),
    "kpi_mql_month": ("MQL 数（{month}）", "MQLs ({month})"),
    "kpi_mql_to_won": ("MQL→受注率（成熟コホート）", "MQL→won (mature cohorts)"),
    "arr_trend": ("ARR の推移と増減", "ARR and its movements"),
    "attainment_title": ("{fy} 年度 新規 ARR 目標の達成見通し", "FY{fy} new-ARR target: where we stand"),
    "attainment_caption": (
        "目標の {share} を受注済み。残り {gap}。予測の内訳はパイプラインのページにあります。",
        "{share} of the target won; {gap} to go. The forecast's detail is on the pipeline page.",
    ),
    "reverse_funnel_title": ("逆算ファネル: 必要な MQL と IS の処理能力", "Reverse funnel: MQLs needed against IS capacity"),
    "reverse_funnel_caption": (
        "残り目標の達成に必要な件数（年度末まで {months} か月）: 受注 {deals} · 商談 {opportunities} · "
        "SQL {sqls} · MQL {mqls}。下のグラフは {month} の実績との比較です。",
        "To close the remaining target ({months} months to the fiscal year's end): {deals} deals · "
        "{opportunities} opportunities · {sqls} SQLs · {mqls} MQLs. The chart compares a month's need with {month}.",
    ),
    "reverse_funnel_over": (
        "必要な MQL（月 {needed} 件）が IS の処理能力（{capacity} 件）を超えています。増員か目標・単価の見直しが必要です。",
        "The MQLs needed ({needed} a month) exceed what inside sales can work ({capacity}): add reps, or "
        "revisit the target or the deal size.",
    ),
    "ending_arr": ("期末 ARR", "Ending ARR"),
    "new_arr": ("新規", "New"),
    "expansion_arr": ("拡大", "Expansion"),
    "contraction_arr": ("縮小", "Contraction"),
    "churned_arr": ("解約", "Churn"),
    "mql_trend": ("月別 MQL 数と目標", "MQLs per month against target"),
    "funnel_summary": ("ファネル概要（期間内の MQL コホート）", "Funnel summary (MQL cohorts in the period)"),
    "mqls": ("MQL 数", "MQLs"),
    # funnel
    "view": ("表示", "View"),
    "view_cohort_mql": ("コホート（MQL 月）", "Cohort (MQL month)"),
    "view_cohort_known": ("コホート（認知月）", "Cohort (known month)"),
    "view_period": ("期間（発生月）", "Period (month of entry)"),
    "style": ("集計方法", "Counting"),
    "style_cumulative": ("累積（スキップした段階を含む）", "Cumulative (skipped stages count)"),
    "style_strict": ("厳密（全段階を順に通過）", "Strict (every stage in order)"),
    "style_reached": ("到達（推定を含む）", "Reached (inferred included)"),
    "style_entered": ("記録のみ", "Recorded entries only"),
    "window": ("転換期限", "Converted within"),
    "window_any": ("期限なし", "Any time"),
    "window_days": ("{days} 日以内", "{days} days"),
    "funnel_chart": ("ファネル", "Funnel"),
    "click_stage_to_drill": ("ファネルのステージをクリックすると、そのリードを下に表示します。",
                             "Click a stage of the funnel to list its leads below."),
    "funnel_drill_title": ("ステージのリード", "The leads at a stage"),
    "funnel_outcome_reached": ("到達したリード", "Reached it"),
    "funnel_outcome_stopped": ("{next}に進まなかったリード", "Did not reach {next}"),
    "conversion_trend": ("{kpi} の推移", "{kpi} by month"),
    "step": ("段階", "Stage"),
    "from_previous": ("前段階からの転換率", "From previous stage"),
    "band_rate": ("目標指標の転換率（成熟コホート）", "Target KPI rate (mature cohorts)"),
    "from_start": ("起点からの転換率", "From the start"),
    "cohort_leads": ("コホート件数", "Cohort leads"),
    "entries": ("発生件数", "Entries"),
    "period_counts": ("月別の段階到達数", "Stage entries per month"),
    "is_young": ("若いコホート", "Young cohort"),
    "kpi_mature_help": (
        "成熟コホートのみ・目標下限との差",
        "mature cohorts only; delta = gap to the band's low end",
    ),
    # bottlenecks
    "gaps_title": ("目標とのギャップ（失ったリード数順）", "Gaps to target, ranked by leads lost"),
    "leads_lost": ("失ったリード数", "Leads lost"),
    "leads_lost_help": (
        "失ったリード数 = 目標レンジ下限の転換率なら転換していたはずの件数（下限 × 流入数 − 転換数、0 未満は 0）。"
        "対象は成熟した MQL コホートで、カード・表・ドリルダウンは同じフィルター（期間を含む）に従います。"
        "流入数が {n} 件未満の率は判定しません（件数不足）。",
        "Leads lost = the conversions the band's low end asks for beyond those made (low x entered - converted, "
        "at least 0), on mature MQL cohorts; the cards, tables and drill-down follow the same filters, the "
        "period included. A rate over fewer than {n} lead cycles is not judged (not enough data).",
    ),
    "entered_leads": ("対象件数", "Entered"),
    "converted_leads": ("転換件数", "Converted"),
    "conversion_rate": ("転換率", "Conversion"),
    "gap_to_target": ("目標下限との差", "Gap to target"),
    "kpi": ("KPI", "KPI"),
    "segments_title": ("セグメント別のボトルネック", "Bottlenecks by segment"),
    "dimension": ("切り口", "Dimension"),
    "dimension_value": ("値", "Value"),
    "drill_title": ("ドリルダウン: 数字の裏にあるリード", "Drill down: the leads behind a number"),
    "drill_kpi": ("転換", "Transition"),
    "drill_outcome": ("対象", "Which leads"),
    "outcome_lost": ("転換しなかったリード", "Did not convert"),
    "outcome_converted": ("転換したリード", "Converted"),
    "drill_segment": ("セグメント", "Segment"),
    "drill_all": ("フィルター全体", "All filtered leads"),
    "time_in_stage": ("ステージ滞留日数", "Days in stage"),
    "median_days": ("中央値", "Median"),
    "p75_days": ("75%点", "75th percentile"),
    "p90_days": ("90%点", "90th percentile"),
    "mean_days": ("平均", "Mean"),
    "histogram_stage": ("分布を見るステージ", "Distribution for stage"),
    "days": ("日数", "Days"),
    "first_contact_sla_line": ("初回接触 SLA {hours:g} 時間", "First-contact SLA {hours:g} h"),
    "stalled_title": (
        "停滞リード（滞留が全体の 90% 点を超過）",
        "Stalled leads (longer than 90% of leads stay)",
    ),
    "days_in_stage": ("滞留日数", "Days in stage"),
    # SLA
    "sla_by_rule": ("SLA 遵守率（ルール別）", "SLA compliance by rule"),
    "sla_by_month": ("月別の遵守率", "Compliance by month"),
    "sla_by_team": ("チーム別", "By team"),
    "sla_by_rep": ("担当者別", "By rep"),
    "sla_rule_pick": ("ルール", "Rule"),
    "met": ("遵守", "Met"),
    "missed": ("違反", "Missed"),
    "pending": ("期限前", "Pending"),
    "compliance": ("遵守率", "Compliance"),
    "compliance_rate": ("遵守率", "Compliance"),
    "sql_leads": ("SQL 数", "SQLs"),
    "speed_title": ("初回接触までの時間（スピード・トゥ・リード）", "Speed to lead"),
    "bucket": ("初回接触まで", "First contact within"),
    "handoffs": ("引き渡し件数", "Hand-offs"),
    "sql_rate": ("SQL 化率", "SQL rate"),
    "overdue_title": ("いま期限超過の未接触 MQL", "MQLs overdue for first contact now"),
    "team": ("チーム", "Team"),
    # scoring
    "bands_title": ("スコア帯別の転換率とリフト", "Conversion and lift by score band"),
    "band": ("スコア帯", "Score band"),
    "lift": ("リフト", "Lift"),
    "mature_cohorts": ("成熟コホート", "mature cohorts"),
    "won_rate": ("受注率", "Won rate"),
    "whatif_title": ("MQL しきい値のシミュレーション（過去データ）", "MQL threshold what-if (on past data)"),
    "fit_min": ("属性スコアの下限", "Fit score at least"),
    "engagement_min": ("行動スコアの下限", "Engagement score at least"),
    "score_min": ("スコアの下限", "Score at least"),
    "whatif_mqls": ("スコアルール上の MQL 数／月", "Scoring-rule MQLs per month"),
    "whatif_rate": ("スコアルール上の MQL の MQL→SQL 率", "MQL→SQL of scoring-rule MQLs"),
    "whatif_population": (
        "スコアルール上の MQL: 全履歴のスコアがしきい値を満たす、判定可能な期間のリード。"
        "MA が記録した MQL（上の判定）とは別の母集団です。",
        "Scoring-rule MQLs: leads (known long enough ago to judge) whose scores over their whole history "
        "meet the threshold - a different population from the MQLs the MA recorded (the verdict above).",
    ),
    "mql_to_sql_recorded": ("MQL→SQL（MA 記録の MQL）", "MQL→SQL of MA-recorded MQLs"),
    "whatif_current": ("現在のしきい値", "Current threshold"),
    "verdict_title": ("MQL 定義の判定", "MQL definition verdict"),
    "grades_title": ("グレード別の成果", "Outcomes by grade"),
    "grade": ("グレード", "Grade"),
    "reasons_title": ("非 SQL 理由（パレート図）", "Non-SQL reasons (Pareto)"),
    "reason": ("理由", "Reason"),
    "cumulative_share": ("累積構成比", "Cumulative share"),
    "scoring_model": ("スコアリングモデル", "Scoring model"),
    "scoring_global": (
        "スコア帯・シミュレーションは全社の成熟コホートで計算しています。",
        "Score bands and the what-if are computed on all mature cohorts.",
    ),
    # accounts
    "segment_split": ("セグメント別", "By segment"),
    "accounts": ("アカウント数", "Accounts"),
    "customers": ("顧客数", "Customers"),
    "current_arr": ("現在の ARR", "Current ARR"),
    "avg_coverage": ("購買関与者カバー率（平均）", "Buying-committee coverage (avg)"),
    "relationship_title": ("エンタープライズの関係ステージ", "Enterprise relationship stages"),
    "relationship_stage": ("関係ステージ", "Relationship stage"),
    "people_in_contact": ("接点人数（平均）", "People in contact (avg)"),
    "share_of_spend": ("支出シェア（平均）", "Share of spend (avg)"),
    "committee_title": (
        "購買関与者のカバー状況（MQL のあるアカウント）",
        "Buying-committee coverage (accounts with MQLs)",
    ),
    "roles_reached": (
        "接点のある役割数（起案者・影響者・決裁者）",
        "Roles reached (proposer, influencer, decision maker)",
    ),
    "top_accounts": ("アカウントスコア上位", "Top accounts by score"),
    "departments_in_contact": ("接点部門数（平均）", "Departments in contact (avg)"),
    "executive_meetings": ("経営層面談", "Executive meetings"),
    "proposals": ("提案", "Proposals"),
    "coverage": ("購買関与者カバー率", "Buying-committee coverage"),
    "account_name": ("会社名", "Company"),
    "account_score": ("アカウントスコア", "Account score"),
    "account_filters_note": (
        "アカウントにはセグメント・業種・地域のフィルターを適用します。",
        "Accounts follow the segment, industry and region filters.",
    ),
    # data quality
    "dq_history": ("チェック結果の推移", "Check results over time"),
    "dq_latest": ("最新のチェック結果", "Latest check results"),
    "dq_passed": ("合格", "Passed"),
    "dq_blocking": ("ブロッキング違反", "Blocking failures"),
    "dq_warned": ("警告", "Warnings"),
    "dq_not_measurable": ("測定不可（ソースに項目なし）", "Not measurable (no source carries the field)"),
    "dq_checks": ("チェック数", "Checks"),
    "dq_suite": ("スイート", "Suite"),
    "dq_kind": ("チェック", "Check"),
    "dq_field": ("項目", "Field"),
    "dq_observed": ("実測値", "Observed"),
    "dq_threshold": ("しきい値", "Threshold"),
    "dq_severity": ("重要度", "Severity"),
    "dq_result": ("結果", "Result"),
    "dq_failing_ids": ("違反レコード例", "Failing records (sample)"),
    "dq_unexpected": ("違反件数", "Failing rows"),
    "dq_rows": ("対象件数", "Rows checked"),
    "completeness_title": ("SLA 項目の入力率（月別）", "SLA field completeness by month"),
    "quarantine_title": ("隔離された行", "Quarantined rows"),
    "extract": ("抽出ファイル種別", "Extract"),
    "reason_kind": ("理由の種類", "Reason kind"),
    "file_name": ("ファイル", "File"),
    "line_number": ("行", "Line"),
    "reason_field": ("項目", "Field"),
    "raw_text": ("元の行", "Raw line"),
    "freshness_title": ("鮮度（最終取り込み）", "Freshness (last load)"),
    "last_loaded_at": ("最終取り込み", "Last loaded"),
    "rows_loaded": ("取り込み行数", "Rows loaded"),
    "rows_quarantined": ("隔離行数", "Rows quarantined"),
    "age_days": ("経過日数", "Age (days)"),
    "any": ("（すべて）", "(all)"),
    # department KPIs
    "departments_caption": (
        "{month} の各部門の KPI と目標（ルールファイル targets.*）。全社の数値です（リードのフィルターは適用しません）。",
        "Each department's KPIs for {month} against their targets (rules file: targets.*). Company-wide "
        "(the lead filters do not apply).",
    ),
    "departments_trend": ("推移を見る KPI", "KPI to chart"),
    "click_to_drill": ("グラフの棒をクリックすると、その内訳を下に表示します。", "Click a bar to see what is behind it below."),
    "departments_by_rep": ("担当者別（{month}）", "By rep ({month})"),
    "rep": ("担当者", "Rep"),
    "departments_rep_note": (
        "担当者ごとの率は件数が少ないと振れます（{n} 件未満は目標判定をしません）。",
        "A rep's rates swing on few cases (under {n}, they are not judged against the target).",
    ),
    # campaigns and channels
    "campaigns_caption": (
        "{start}〜{end}。期間・チャネル・キャンペーンのフィルターを適用します（費用は他の属性で分けられないため、ほかのフィルターは適用しません）。",
        "{start} to {end}. The period, channel and campaign filters apply (a campaign's cost cannot be split by "
        "the other lead attributes, so the other filters do not).",
    ),
    "campaign_cost": ("キャンペーン費用", "Campaign cost"),
    "cost_per_mql": ("MQL 単価", "Cost per MQL"),
    "cost_per_sql": ("SQL 単価", "Cost per SQL"),
    "cost_per_won": ("受注単価", "Cost per win"),
    "won_arr_first_touch": ("受注 ARR（ファーストタッチ）", "Won ARR (first touch)"),
    "won_arr_first_touch_help": (
        "リードの初回流入（元のチャネル・キャンペーン）に帰属させた受注 ARR",
        "Won ARR credited to the lead's first touch (its original channel and campaign)",
    ),
    "won_arr_last_touch": ("受注 ARR（ラストタッチ）", "Won ARR (last touch)"),
    "roi_first_touch": ("ROI（ファーストタッチ）", "ROI (first touch)"),
    "roi_last_touch": ("ROI（ラストタッチ）", "ROI (last touch)"),
    "roi_help": ("（受注 ARR − 費用）÷ 費用", "(won ARR − cost) ÷ cost"),
    "won_arr_first_touch_short": ("ARR（初回接点）", "ARR (first)"),
    "won_arr_last_touch_short": ("ARR（最終接点）", "ARR (last)"),
    "roi_first_touch_short": ("ROI（初回）", "ROI (first)"),
    "roi_last_touch_short": ("ROI（最終）", "ROI (last)"),
    "sqls": ("SQL", "SQLs"),
    "won_deals": ("受注", "Won"),
    "cost": ("費用", "Cost"),
    "channel": ("チャネル", "Channel"),
    "campaign_name": ("キャンペーン", "Campaign"),
    "channels_title": ("チャネル別", "By channel"),
    "campaigns_tab_spend": ("費用と獲得単価", "Cost and cost per stage"),
    "campaigns_tab_return": ("受注 ARR と ROI", "Won ARR and ROI"),
    "campaigns_title": ("キャンペーン別（費用の多い順）", "By campaign (highest cost first)"),
    "no_campaign": ("（キャンペーンなし）", "(no campaign)"),
    "campaigns_note": (
        "費用はキャンペーン期間の日数で按分。リード・MQL・SQL・商談はその月にステージに入った件数、受注はその月に受注した商談です。",
        "Cost is spread over the campaign's days. Leads, MQLs, SQLs and opportunities are the cycles entering the "
        "stage that month; won deals are the deals won that month.",
    ),
    # pipeline and forecast
    "pipeline_fy_caption": (
        "{fy} 年度（{start}〜{end}）の新規 ARR 目標 {target} に対して。全社（フィルターは適用しません）。",
        "Against FY{fy}'s new-ARR target of {target} ({start} to {end}). Company-wide (filters not applied).",
    ),
    "kpi_won_fy": ("受注済み（年度累計）", "Closed won (FYTD)"),
    "kpi_won_fy_help": ("今年度に受注した新規 ARR（{deals} 件）", "New ARR won this fiscal year ({deals} deals)"),
    "kpi_commit_forecast": ("コミット予測", "Commit forecast"),
    "kpi_commit_forecast_help": (
        "受注済み＋年度内に完了予定のコミット商談。目標との差を表示します。",
        "Closed won plus the open commit deals expected to close this fiscal year; the chip shows the gap to the target.",
    ),
    "kpi_best_case_forecast": ("ベストケース予測", "Best-case forecast"),
    "kpi_best_case_forecast_help": (
        "コミット予測＋年度内に完了予定のベストケース商談",
        "The commit forecast plus the open best-case deals expected to close this fiscal year",
    ),
    "kpi_weighted_forecast": ("加重予測", "Weighted forecast"),
    "kpi_weighted_forecast_help": (
        "受注済み＋年度内に完了予定の商談額 × ステージ別確度（ルールファイル pipeline.stages）",
        "Closed won plus the open deals expected this fiscal year, each at its stage's probability "
        "(rules file: pipeline.stages)",
    ),
    "forecast_title": ("完了予定月別の予測", "Forecast by close month"),
    "forecast_caption": (
        "受注済みは受注月、進行中の商談は完了予定月に計上。緑の線は月次の新規 ARR 目標（{target}）。",
        "Won deals in the month they were won, open deals in the month they are expected to close. "
        "The green line is the monthly new-ARR target ({target}).",
    ),
    "forecast_undated": ("完了予定日のない進行中の商談 {n} 件は含みません。", "{n} open deal(s) without a close date are not shown."),
    "weighted": ("加重額", "Weighted"),
    "forecast_deals": ("この月の商談（グラフの棒をクリックしても選べます）", "Deals of the month (or click a bar)"),
    "close_date": ("完了予定日", "Close date"),
    "opportunity_id": ("商談 ID", "Opportunity id"),
    "amount": ("金額", "Amount"),
    "open_by_stage_title": ("ステージ別のオープン商談", "Open pipeline by stage"),
    "open_deals": ("商談数", "Open deals"),
    "probability": ("確度", "Probability"),
    "forecast_category": ("予測区分", "Forecast category"),
    "days_in_stage_now": ("滞留日数（平均）", "Days in stage (avg)"),
    "past_close_date": ("完了予定日超過", "Past close date"),
    "stage_progression_title": ("購買プロセスの進み方", "How deals move along the buyer's process"),
    "stage_progression_caption": (
        "これまでの全商談（全社）。次ステージへの移行率と、ステージを出るまでの平均日数。",
        "Every opportunity so far (company-wide): the share that went on to a later stage and the average "
        "days a stay lasted.",
    ),
    "progression_label": ("次へ {rate} · 平均 {days} 日", "{rate} went on · {days} days on average"),
    "conversion_to_next": ("次ステージへの移行率", "Went on"),
    "pipeline_trend_title": ("パイプラインの推移", "Pipeline trend"),
    "pipeline_trend_caption": (
        "実行日ごとのスナップショット（全社）。増減は前回のスナップショットとの比較です。",
        "One snapshot per run day (company-wide); the movements compare each with the snapshot before.",
    ),
    "pipeline_trend_one": (
        "スナップショットはまだ {n} 回分です。毎日の実行で推移が蓄積されます。",
        "{n} snapshot(s) so far: the trend builds up with each daily run.",
    ),
    "open_amount": ("オープン商談額", "Open pipeline"),
    "snapshot_date": ("スナップショット日", "Snapshot"),
    "previous_snapshot_date": ("比較対象", "Compared with"),
    "created": ("新規", "Created"),
    "moved_forward": ("前進", "Moved forward"),
    "moved_back": ("後退", "Moved back"),
    "won": ("受注", "Won"),
    "lost": ("失注", "Lost"),
    "slipped": ("完了予定の先送り", "Slipped"),
    # this week
    "weekly_caption": (
        "{week_start}（月）からの週、{as_of}（{tz}）時点。期限が {horizon} までのものと期限超過のものを、急ぐ順に表示します。",
        "The week from Monday {week_start}, as of {as_of} ({tz}). Shown: what falls due by {horizon} and "
        "what is overdue, most urgent first.",
    ),
    "weekly_republish": (
        "このページには新しい公開データが必要です。パイプラインをもう一度実行してください。",
        "This page needs a newer publication: run the pipeline again.",
    ),
    "weekly_handoffs": ("今週の引き渡し", "Handed over this week"),
    "weekly_handoffs_help": (
        "今週（月曜から）MQL 通知を受けた引き渡し: 接触済み {contacted} 件 · 接触待ち {awaiting} 件 · 期限超過 {overdue} 件",
        "MQLs notified to sales this week (since Monday): contacted {contacted} · awaiting {awaiting} · "
        "overdue {overdue}",
    ),
    "weekly_awaiting": ("初回接触待ち", "Awaiting first contact"),
    "weekly_awaiting_help": (
        "期限が {horizon} までの未接触 MQL（うち期限超過 {overdue} 件）",
        "MQLs not contacted yet whose deadline is by {horizon} ({overdue} of them overdue)",
    ),
    "weekly_escalations": ("エスカレーション", "SLA escalations"),
    "weekly_escalations_help": (
        "期限を過ぎた未判定の引き渡し（違反した SLA ごとに 1 行）",
        "Open hand-offs past an SLA deadline (one row per breached rule)",
    ),
    "weekly_recycle": ("再アプローチ予定", "Re-approaches due"),
    "weekly_recycle_help": (
        "再アプローチ日が {horizon} までのリード（ナーチャリングへ戻す・失注からの再提案）",
        "Leads whose re-approach date is by {horizon} (back to nurture, or re-approach after a loss)",
    ),
    "weekly_dormant": ("休眠リード", "Dormant leads"),
    "weekly_dormant_help": (
        "{days} 日以上活動のないリード（長い順）",
        "Leads with no activity for {days} days or more (longest first)",
    ),
    # monthly review
    "review_month": ("対象月", "Month"),
    "review_generate": ("デッキを作成", "Build the deck"),
    "review_download": ("PowerPoint をダウンロード", "Download PowerPoint"),
    "review_slides": ("スライド構成", "Slides"),
    # common columns
    "person_name": ("氏名", "Name"),
    "email": ("メール", "E-mail"),
    "lead_id": ("リード ID", "Lead id"),
    "cycle_number": ("サイクル", "Cycle"),
    "owner": ("担当者", "Owner"),
    "owner_manager": ("マネージャー", "Manager"),
    "owner_team": ("チーム", "Team"),
    "segment": ("セグメント", "Segment"),
    "industry": ("業種", "Industry"),
    "prefecture": ("都道府県", "Prefecture"),
    "original_channel": ("チャネル", "Channel"),
    "score": ("スコア", "Score"),
    "mql_reached_at": ("MQL 日時", "MQL at"),
    "sql_reached_at": ("SQL 日時", "SQL at"),
    "opportunity_reached_at": ("商談化日時", "Opportunity at"),
    "won_reached_at": ("受注日時", "Won at"),
    "decision": ("判定", "Decision"),
    "non_sql_reason": ("非 SQL 理由", "Non-SQL reason"),
    "cohort_month": ("コホート月", "Cohort month"),
    "stage": ("ステージ", "Stage"),
    "entered_at": ("ステージ開始", "Entered stage"),
    "notified_at": ("MQL 通知日時", "Notified at"),
    "first_contact_due_at": ("初回接触期限", "First contact due"),
    "hours_waiting": ("経過時間（h）", "Hours waiting"),
    "sla_rule": ("SLA ルール", "SLA rule"),
    # --- the monthly review deck ---
    "title": ("月次マーケティング・営業レビュー", "Monthly marketing & sales review"),
    "as_of": ("データ基準日時 {as_of}（{tz}）", "Data as of {as_of} ({tz})"),
    "kpis": ("主要 KPI と目標", "Headline KPIs against target"),
    "this_month": ("当月", "This month"),
    "last_month": ("前月", "Last month"),
    "change": ("前月比", "Change"),
    "deck_status": ("評価", "Status"),
    "mql_to_sql": ("MQL→SQL 率（当月コホート）", "MQL→SQL (month's cohort)"),
    "sla_first_contact": ("初回接触 SLA 遵守率", "First-contact SLA compliance"),
    "sla_all": ("SLA 遵守率（全ルール）", "SLA compliance (all rules)"),
    "first_contact_hours": ("初回接触までの平均時間（h）", "Average hours to first contact"),
    "deck_new_arr": ("新規 ARR", "New ARR"),
    "win_rate": ("勝率（受注 ÷ 受注＋失注）", "Win rate (won ÷ won + lost)"),
    "partial_month": ("途中経過: {month} はまだ終わっていません（{as_of} 時点のデータ）",
                      "Partial: {month} is not over yet (data as of {as_of})"),
    "no_chart_data": ("この期間に表示するデータがありません。", "Nothing to chart for this period."),
    "not_measurable_slide": (
        "読み込んだソースではこのスライドの指標を測定できません（{what} を含むソースがありません）。",
        "The loaded sources cannot measure this slide's figures (none carries {what}).",
    ),
    "ok": ("達成", "On target"),
    "below": ("未達", "Below target"),
    "above": ("超過", "Above band"),
    "young": ("（若いコホート: 転換途中）", "(young cohort: still converting)"),
    "new_arr_target": ("年度目標の 1/12", "1/12 of the fiscal-year target"),
    "arr_bridge": ("ARR ブリッジ（{month}）", "ARR bridge ({month})"),
    "starting_arr": ("期首 ARR", "Starting ARR"),
    "funnel": ("当月のファネル", "The month's funnel"),
    "cohort_funnel": (
        "コホート: {month} に MQL 化したリードの到達段階",
        "Cohort: leads that became MQL in {month}",
    ),
    "period_funnel": ("期間: {month} に各段階へ到達した件数", "Period: stage entries during {month}"),
    "trend": ("MQL→SQL 率の推移（12 か月）と目標レンジ", "MQL→SQL over 12 months with the target band"),
    "deck_rate": ("MQL→SQL 率", "MQL→SQL"),
    "band_low": ("目標下限", "Band low"),
    "band_high": ("目標上限", "Band high"),
    "deck_young_note": (
        "直近 {n} か月のコホートは成熟前（{days} 日）で、今後も上昇します。",
        "The last {n} cohorts are younger than {days} days and will still rise.",
    ),
    "sla": ("SLA 遵守状況（{month} に引き渡された MQL）", "SLA compliance (MQLs handed over in {month})"),
    "by_rule": ("ルール別", "By rule"),
    "by_team": ("チーム別（全ルール）", "By team (all rules)"),
    "worst": ("違反の多い担当者", "Reps with the most breaches"),
    "bottlenecks": (
        "ボトルネック: 目標との差が大きい上位 3 つ",
        "Bottlenecks: the three largest gaps to target",
    ),
    "deck_segment": ("切り口", "Segment"),
    "deck_band": ("目標レンジ", "Band"),
    "entered": ("対象", "Entered"),
    "bottleneck_note": (
        "成熟した MQL コホート全体で評価（基準日時点）。",
        "Judged on all mature MQL cohorts as of the data date.",
    ),
    "scoring": ("スコアリングの見直し", "Scoring review"),
    "verdict": ("MQL 定義の判定: {verdict}", "MQL definition: {verdict}"),
    "verdict_detail": (
        "MA が記録した MQL（成熟コホート）の MQL→SQL 率 {rate}（目標 {low}–{high}）",
        "MQL→SQL of the MQLs recorded in the MA, mature cohorts: {rate} (band {low}–{high})",
    ),
    "current": ("現行", "current"),
    "reasons": ("非 SQL 理由（{month} の判定）", "Non-SQL reasons (decided in {month})"),
    "quality": ("データ品質（{month}）", "Data quality ({month})"),
    "dq_run": (
        "最新の品質チェック: {checks} 件中 {passed} 件合格、ブロッキング違反 {blocking} 件、"
        "警告 {warned} 件、測定不可 {not_measurable} 件",
        "Latest checks: {passed} of {checks} passed, {blocking} blocking failures, {warned} warnings, "
        "{not_measurable} not measurable",
    ),
    "completeness": ("SLA 項目の入力率（当月）", "SLA field completeness (the month)"),
    "quarantine": ("隔離された行（累計）", "Quarantined rows (all loads)"),
    "deck_forecast": ("{fy} 年度の予測（完了予定月別、{as_of} 時点）", "FY{fy} forecast by close month (as of {as_of})"),
    "deck_gap": ("目標までの残り", "Still to win"),
    "deck_axis_from": ("縦軸は {value} から（増減が見えるように）", "The value axis starts at {value}, so that the movements show"),
    "deck_departments": ("部門別 KPI — {month}", "Department KPIs — {month}"),
    "deck_campaigns": ("チャネル別の費用と受注 ARR — {month}", "Cost and won ARR by channel — {month}"),
    "deck_forecast_note": ("コミット予測は目標の {share}", "The commit forecast is {share} of the target"),
    "plan": ("来月の MQL 計画と IS の処理能力", "Next month's MQL plan against IS capacity"),
    "plan_target": ("MQL 目標／月", "MQL target per month"),
    "plan_needed": ("ARR 目標達成に必要な MQL／月", "MQLs needed per month for the ARR target"),
    "plan_actual": ("当月の MQL 数", "MQLs this month"),
    "plan_capacity": ("IS 処理能力（{reps} 名 × {per}）", "IS capacity ({reps} reps × {per})"),
    "plan_per_rep": (
        "IS 1 名あたりの MQL: 計画 {plan} 件／能力 {per} 件",
        "MQLs per IS rep: plan {plan} against a capacity of {per}",
    ),
    "deck_no_data": ("{month} のデータはありません", "No data for {month}"),
    "no_data_detail": (
        "この月に MQL・引き渡し・受注のいずれもありません。データの取り込み期間を確認してください。",
        "No MQLs, hand-offs or wins in this month. Check the period the loaded extracts cover.",
    ),
}

# Check kinds (GX expectation types) in words.
CHECK_KINDS = {
    "expect_column_values_to_not_be_null": ("入力率", "Completeness"),
    "expect_column_values_to_be_unique": ("一意性", "Uniqueness"),
    "expect_column_values_to_be_in_set": ("既知のコード", "Known codes"),
    "expect_column_values_to_be_between": ("値の範囲", "Value range"),
    "expect_column_values_to_match_regex": ("形式", "Format"),
    "expect_column_pair_values_a_to_be_greater_than_b": ("日付の順序", "Date order"),
    # dbt's own tests, run while the marts are built
    "dbt_relationships": ("参照先の存在", "Referenced record exists"),
    "dbt_not_null": ("入力必須", "Not null"),
    "dbt_unique": ("一意性", "Uniqueness"),
    "dbt_accepted_values": ("既知のコード", "Known codes"),
}
SEVERITIES = {"error": ("ブロッキング", "Blocking"), "warn": ("警告", "Warning"),
              "not_measurable": ("測定不可", "Not measurable")}
REASON_KINDS = {
    "malformed_line": ("行の形式不正", "Malformed line"),
    "missing_required": ("必須項目の欠落", "Missing required field"),
    "invalid_text": ("不正な文字（NUL・制御文字）", "Invalid character (NUL, control)"),
    "unparseable_date": ("日付を解釈できない", "Unparseable date"),
    "implausible_date": ("ありえない日付", "Implausible date"),
    "invalid_number": ("数値が不正", "Invalid number"),
    "out_of_range": ("金額が範囲外", "Amount out of range"),
    "invalid_boolean": ("真偽値が不正", "Invalid boolean"),
    "duplicate_id": ("ID の重複", "Duplicate id"),
}
VERDICTS = {
    "too_loose": ("MQL 定義が緩すぎる（転換率が目標未満）", "MQL definition too loose (below the band)"),
    "too_strict": ("MQL 定義が厳しすぎる（転換率が目標超過）", "MQL definition too strict (above the band)"),
    "in_band": ("MQL 定義は適切（目標レンジ内）", "MQL definition is right (in the band)"),
    "too_young": ("判定するには早すぎる", "Too young to judge"),
    "not_measurable": ("判定不可（SQL を含むソースがありません）", "Cannot judge (no loaded source carries SQL)"),
    "not_enough_data": ("判定不可（件数不足）", "Not enough data to judge"),
}


def text(key: str, lang: str, **values) -> str:
    ja, en = TEXT[key]
    chosen = ja if lang == "ja" else en
    return chosen.format(**values) if values else chosen


def pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "ja" else pair[1]


MISSING = "–"  # how a missing value reads in every card, table and slide


def _missing(value) -> bool:
    return (
        value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT
    )


def fmt_int(value) -> str:
    return MISSING if _missing(value) else f"{int(round(float(value))):,}"


def fmt_pct(value, digits: int = 1) -> str:
    return MISSING if _missing(value) else f"{float(value) * 100:.{digits}f}%"


def fmt_points(value, digits: int = 1) -> str:
    """A difference of two rates in percentage points, signed."""
    return MISSING if _missing(value) else f"{float(value) * 100:+.{digits}f} pt"


def fmt_days(value) -> str:
    return MISSING if _missing(value) else f"{float(value):.1f}"


_SYMBOLS = {"JPY": "¥", "USD": "$", "EUR": "€"}


def fmt_money(value, currency: str, lang: str, compact: bool = False) -> str:
    """¥1,234,567; compact: ¥45.0億 / ¥4.50B for headline figures."""
    if _missing(value):
        return MISSING
    amount = float(value)
    symbol = _SYMBOLS.get(currency, currency + " ")
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if not compact:
        return f"{sign}{symbol}{amount:,.0f}"
    if lang == "ja":
        for unit, size, digits in (("兆", 1e12, 1), ("億", 1e8, 1), ("万", 1e4, 0)):
            if amount >= size:
                return f"{sign}{symbol}{amount / size:,.{digits}f}{unit}"
        return f"{sign}{symbol}{amount:,.0f}"
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if amount >= size:
            return f"{sign}{symbol}{amount / size:,.2f}{unit}"
    return f"{sign}{symbol}{amount:,.0f}"


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def fmt_month(value, lang: str) -> str:
    """2026年10月 / Oct 2026."""
    if _missing(value):
        return MISSING
    d = pd.Timestamp(value)
    return f"{d.year}年{d.month}月" if lang == "ja" else f"{_MONTHS_EN[d.month - 1]} {d.year}"


def fmt_date(value, lang: str) -> str:
    """2026/10/31 / 31 Oct 2026."""
    if _missing(value):
        return MISSING
    d = pd.Timestamp(value)
    return (
        f"{d.year}/{d.month:02d}/{d.day:02d}"
        if lang == "ja"
        else f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"
    )


def fmt_datetime(value, lang: str) -> str:
    if _missing(value):
        return MISSING
    d = pd.Timestamp(value)
    return f"{fmt_date(d, lang)} {d.hour:02d}:{d.minute:02d}"


def to_local(value, timezone: str):
    """A naive UTC timestamp (as the marts store it) in the business time zone, naive."""
    if _missing(value):
        return value
    return pd.Timestamp(value).tz_localize("UTC").tz_convert(timezone).tz_localize(None)


def local_column(series: pd.Series, timezone: str) -> pd.Series:
    s = pd.to_datetime(series)
    return s.dt.tz_localize("UTC").dt.tz_convert(timezone).dt.tz_localize(None)


def fmt_bucket(max_minutes, previous_max_minutes, lang: str) -> str:
    """A speed-to-lead bucket from its upper bound: 5分以内 / within 5 min; 24時間超 / over 24 h."""

    def span(minutes):
        minutes = float(minutes)
        if minutes < 60:
            return f"{minutes:g}分" if lang == "ja" else f"{minutes:g} min"
        return f"{minutes / 60:g}時間" if lang == "ja" else f"{minutes / 60:g} h"

    if _missing(max_minutes):
        return f"{span(previous_max_minutes)}超" if lang == "ja" else f"over {span(previous_max_minutes)}"
    return f"{span(max_minutes)}以内" if lang == "ja" else f"within {span(max_minutes)}"


def month_of(value: date | datetime | str) -> date:
    d = pd.Timestamp(value)
    return date(d.year, d.month, 1)
