-- The headline KPIs, one row per KPI and month (business time zone), company-wide, with the
-- target and the band status (band_status, pipelines/kpi_functions.py; a rate over fewer than
-- targets.min_sample_size cases is not judged). The monthly review's KPI table reads it. Each
-- value sums a row-level mart: MQLs and MQL->SQL the MQL cohort of the month (funnel_cohort_members,
-- funnel_transition_members; the month's cohort is young and still converting), the win rate the
-- deals closed in the month, SLA compliance and first-contact time the hand-offs notified in it,
-- new and ending ARR the ARR bridge. A target with only a low end is a minimum, only a high end a
-- maximum.

with cohort as (
    select cohort_month as month, count(*) as mqls
    from {{ ref('funnel_cohort_members') }}
    where cohort_basis = 'mql' and metric_style = 'cumulative' and window_days = 0
    group by cohort_month
),

mql_to_sql as (
    select cohort_month as month, count(*) as cases, count_if(converted) as converted, bool_or(is_young) as is_young
    from {{ ref('funnel_transition_members') }}
    where cohort_basis = 'mql' and metric_style = 'cumulative' and window_days = 0 and kpi = 'mql_to_sql'
        and is_measurable
    group by cohort_month
),

deals as (
    select closed_month as month, count_if(is_won) as won, count_if(is_lost) as lost
    from {{ ref('opportunity_outcomes') }}
    where not is_open and closed_month is not null
    group by closed_month
),

sla as (
    select notified_month as month, sla_rule, count_if(met) as met, count_if(met is not null) as decided
    from {{ ref('sla_handoff_rules') }}
    where sla_rule in ('first_contact', 'all')
    group by notified_month, sla_rule
),

contact as (
    select notified_month as month, count(hours_to_first_contact) as cases, avg(hours_to_first_contact) as hours
    from {{ ref('lead_journey') }}
    where notified_at is not null and first_contact_at is not null
    group by notified_month
),

targets as (
    -- selects, not VALUES: the rules are scalar subqueries, which Spark does not take in VALUES
    select 'mqls' as kpi, cast({{ rule('target_mql_per_month') }} as double) as target_low,
           cast(null as double) as target_high
    union all select 'win_rate', null, null
    union all select 'sla_first_contact', {{ rule('target_sla_compliance_min') }}, null
    union all select 'sla_all', {{ rule('target_sla_compliance_min') }}, null
    union all select 'first_contact_hours', null, {{ rule('target_first_contact_hours_avg_max') }}
    union all select 'new_arr', {{ rule('target_new_arr_fiscal_year') }} / cast(12 as double), null
    union all select 'ending_arr', null, null
    union all
    select 'mql_to_sql', low, high from {{ source('config', 'target_bands') }} where kpi = 'mql_to_sql'
),

values_ as (
    select 'mqls' as kpi, month, cast(mqls as double) as value, cast(null as bigint) as cases, false as is_young
    from cohort
    union all
    select 'mql_to_sql', month, cast(converted as double) / nullif(cases, 0), cases, is_young
    from mql_to_sql
    union all
    select 'win_rate', month, cast(won as double) / nullif(won + lost, 0), won + lost, false
    from deals
    union all
    select 'sla_' || sla_rule, month, cast(met as double) / nullif(decided, 0), decided, false
    from sla
    union all
    select 'first_contact_hours', month, hours, cases, false
    from contact
    union all
    select 'new_arr', month, new_arr, cast(null as bigint), false
    from {{ ref('arr_monthly') }}
    union all
    select 'ending_arr', month, ending_arr, cast(null as bigint), false
    from {{ ref('arr_monthly') }}
),

-- every KPI in every month some KPI has a value: a month without MQLs still carries the MQL target
months as (
    select distinct month from values_
)

select
    t.kpi,
    m.month,
    v.value,
    cast(v.cases as bigint) as cases,
    coalesce(v.is_young, false) as is_young,
    t.target_low,
    t.target_high,
    case when t.target_low is null and t.target_high is null then null
         else band_status(v.value, t.target_low, t.target_high, v.cases, {{ rule('target_min_sample_size') }})
    end as target_status
from targets as t
cross join months as m
left join values_ as v on v.kpi = t.kpi and v.month = m.month
