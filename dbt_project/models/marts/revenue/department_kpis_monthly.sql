-- Department KPIs per month (business time zone): one row per month, department, rep and KPI, with
-- the rules' target band (config.kpi_targets) and the band status (band_status; a rate over fewer
-- than targets.min_sample_size cases is not judged). rep '(all)' is the department as a whole;
-- inside sales and field sales also have a row per rep. The one definition of each:
--   marketing (campaign_performance; the MQL cohort of funnel_cohort_members)
--     mqls               MQL cohort of the month (vs targets.mql_per_month)
--     mql_to_sql         its MQL->SQL conversion so far (funnel_transition_members; young cohorts
--                        still converting)
--     campaign_cost, cost_per_mql, cost_per_sql, cost_per_won
--                        campaign cost over the month's MQL / SQL entries and won deals
--   inside_sales (SFA activities of users with role 'is'; the hand-offs notified in the month)
--     calls, connected_calls, connect_rate, appointments, appointment_rate (per call; empty when
--     no activity in the extract records an appointment), sqls (SQL entries, by lead owner),
--     sla_first_contact and sla_all (sla_handoff_rules' decided hand-offs), first_contact_hours
--   field_sales (opportunity_outcomes, by opportunity owner)
--     opportunities (created), won_deals, lost_deals, win_rate = won / (won + lost), won_amount,
--     avg_sales_cycle_days (won deals, creation to winning)
--   customer_success (arr_account_monthly, arr_monthly, CRM NPS)
--     customers_at_start, churned_customers, churn_rate, expanded_customers, upsell_rate,
--     net_revenue_retention and gross_revenue_retention (twelve months), nps, nps_responses
-- Money in the reporting currency; rates as fractions.

{%- set all_reps = "'(all)'" %}
{#- every department's KPIs: each has a row per month for the department, with or without a value #}
{%- set catalogue = {
    'marketing': ['mqls', 'mql_to_sql', 'campaign_cost', 'cost_per_mql', 'cost_per_sql', 'cost_per_won'],
    'inside_sales': ['calls', 'connected_calls', 'connect_rate', 'appointments', 'appointment_rate', 'sqls',
                     'sla_first_contact', 'sla_all', 'first_contact_hours'],
    'field_sales': ['opportunities', 'won_deals', 'lost_deals', 'win_rate', 'won_amount', 'avg_sales_cycle_days'],
    'customer_success': ['customers_at_start', 'churned_customers', 'churn_rate', 'expanded_customers',
                         'upsell_rate', 'net_revenue_retention', 'gross_revenue_retention', 'nps', 'nps_responses'],
} %}

with cohort as (
    select cohort_month as month, count(*) as mqls
    from {{ ref('funnel_cohort_members') }}
    where cohort_basis = 'mql' and metric_style = 'cumulative' and window_days = 0
    group by cohort_month
),

mql_to_sql as (
    select cohort_month as month, count(*) as cases, {{ count_where('converted') }} as converted,
           max(case when is_young then 1 else 0 end) = 1 as is_young
    from {{ ref('funnel_transition_members') }}
    where cohort_basis = 'mql' and metric_style = 'cumulative' and window_days = 0 and kpi = 'mql_to_sql'
        and is_measurable
    group by cohort_month
),

spend as (
    select month, sum(cost) as cost, sum(mqls) as mqls, sum(sqls) as sqls, sum(won_deals) as won_deals
    from {{ ref('campaign_performance') }}
    group by month
),

activities as (
    select
        cast({{ dbt.date_trunc('month', to_business_time('a.occurred_at')) }} as date) as month,
        a.owner as rep,
        a.activity_type,
        a.is_reached,
        a.outcome
    from {{ ref('stg_sfa__activities') }} as a
    inner join {{ ref('stg_sfa__users') }} as u on u.user_name = a.owner and u.role = 'is'
),

records_appointments as (
    select {{ count_where("outcome = 'appointment_set'") }} > 0 as yes from {{ ref('stg_sfa__activities') }}
),

is_activities as (
    select
        month,
        case when grouping(rep) = 1 then {{ all_reps }} else rep end as rep,
        {{ count_where("activity_type = 'call'") }} as calls,
        {{ count_where("activity_type = 'call' and is_reached") }} as connected_calls,
        {{ count_where("outcome = 'appointment_set'") }} as appointments
    from activities
    group by grouping sets ((month), (month, rep))
),

is_sqls as (
    select
        e.entered_month as month,
        case when grouping(a.owner) = 1 then {{ all_reps }} else a.owner end as rep,
        count(*) as sqls
    from {{ ref('lead_stage_events') }} as e
    inner join {{ ref('lead_attributes') }} as a on a.lead_id = e.lead_id and a.cycle_number = e.cycle_number
    where e.stage = 'sql'
    group by grouping sets ((e.entered_month), (e.entered_month, a.owner))
),

is_sla as (
    select
        notified_month as month,
        case when grouping(owner) = 1 then {{ all_reps }} else owner end as rep,
        sla_rule,
        {{ count_where('met') }} as met,
        count(met) as decided
    from {{ ref('sla_handoff_rules') }}
    where sla_rule in ('first_contact', 'all')
    group by grouping sets ((notified_month, sla_rule), (notified_month, sla_rule, owner))
),

is_contact as (
    select
        notified_month as month,
        case when grouping(owner) = 1 then {{ all_reps }} else owner end as rep,
        count(hours_to_first_contact) as cases,
        avg(hours_to_first_contact) as hours
    from {{ ref('lead_journey') }}
    where notified_at is not null and first_contact_at is not null
    group by grouping sets ((notified_month), (notified_month, owner))
),

fs_created as (
    select
        created_month as month,
        case when grouping(owner) = 1 then {{ all_reps }} else owner end as rep,
        count(*) as opportunities
    from {{ ref('opportunity_outcomes') }}
    where created_month is not null
    group by grouping sets ((created_month), (created_month, owner))
),

fs_closed as (
    select
        closed_month as month,
        case when grouping(owner) = 1 then {{ all_reps }} else owner end as rep,
        {{ count_where('is_won') }} as won_deals,
        {{ count_where('is_lost') }} as lost_deals,
        sum(coalesce(won_amount, 0)) as won_amount,
        avg(case when is_won then days_to_close end) as avg_sales_cycle_days,
        count(case when is_won then days_to_close end) as cycles
    from {{ ref('opportunity_outcomes') }}
    where not is_open and closed_month is not null
    group by grouping sets ((closed_month), (closed_month, owner))
),

cs as (
    select
        month,
        {{ count_where('previous_arr > 0') }} as customers_at_start,
        {{ count_where("movement = 'churn'") }} as churned_customers,
        {{ count_where("movement = 'expansion'") }} as expanded_customers
    from {{ ref('arr_account_monthly') }}
    group by month
),

nps as (
    select
        cast({{ dbt.date_trunc('month', to_business_time('responded_at')) }} as date) as month,
        count(*) as responses,
        cast(100 as double) * ({{ count_where('score >= 9') }} - {{ count_where('score <= 6') }}) / count(*) as nps
    from {{ ref('stg_crm__nps') }}
    group by 1
),

-- (month, department, rep, kpi, value, cases: what a rate is over; empty for counts and money)
kpis as (
    select month, 'marketing' as department, {{ all_reps }} as rep, 'mqls' as kpi,
           cast(mqls as double) as value, cast(null as {{ dbt.type_bigint() }}) as cases, false as is_young
    from cohort
    union all select month, 'marketing', {{ all_reps }}, 'mql_to_sql',
        cast(converted as double) / nullif(cases, 0), cases, is_young from mql_to_sql
    union all select month, 'marketing', {{ all_reps }}, 'campaign_cost', cost, null, false from spend
    union all select month, 'marketing', {{ all_reps }}, 'cost_per_mql', cost / nullif(mqls, 0), null, false from spend
    union all select month, 'marketing', {{ all_reps }}, 'cost_per_sql', cost / nullif(sqls, 0), null, false from spend
    union all select month, 'marketing', {{ all_reps }}, 'cost_per_won', cost / nullif(won_deals, 0), null, false
        from spend
    union all select month, 'inside_sales', rep, 'calls', calls, null, false from is_activities
    union all select month, 'inside_sales', rep, 'connected_calls', connected_calls, null, false from is_activities
    union all select month, 'inside_sales', rep, 'connect_rate', cast(connected_calls as double) / nullif(calls, 0),
        calls, false from is_activities
    union all select i.month, 'inside_sales', i.rep, 'appointments', case when r.yes then i.appointments end, null,
        false from is_activities as i cross join records_appointments as r
    union all select i.month, 'inside_sales', i.rep, 'appointment_rate',
        case when r.yes then cast(i.appointments as double) / nullif(i.calls, 0) end, i.calls, false
        from is_activities as i cross join records_appointments as r
    union all select month, 'inside_sales', rep, 'sqls', sqls, null, false from is_sqls
    union all select month, 'inside_sales', rep, 'sla_' || sla_rule, cast(met as double) / nullif(decided, 0),
        decided, false from is_sla
    union all select month, 'inside_sales', rep, 'first_contact_hours', hours, cases, false from is_contact
    union all select month, 'field_sales', rep, 'opportunities', opportunities, null, false from fs_created
    union all select month, 'field_sales', rep, 'won_deals', won_deals, null, false from fs_closed
    union all select month, 'field_sales', rep, 'lost_deals', lost_deals, null, false from fs_closed
    union all select month, 'field_sales', rep, 'win_rate', cast(won_deals as double) / nullif(won_deals + lost_deals, 0),
        won_deals + lost_deals, false from fs_closed
    union all select month, 'field_sales', rep, 'won_amount', won_amount, null, false from fs_closed
    union all select month, 'field_sales', rep, 'avg_sales_cycle_days', avg_sales_cycle_days, cycles, false
        from fs_closed
    union all select month, 'customer_success', {{ all_reps }}, 'customers_at_start', customers_at_start, null, false
        from cs
    union all select month, 'customer_success', {{ all_reps }}, 'churned_customers', churned_customers, null, false
        from cs
    union all select month, 'customer_success', {{ all_reps }}, 'churn_rate',
        cast(churned_customers as double) / nullif(customers_at_start, 0), customers_at_start, false from cs
    union all select month, 'customer_success', {{ all_reps }}, 'expanded_customers', expanded_customers, null, false
        from cs
    union all select month, 'customer_success', {{ all_reps }}, 'upsell_rate',
        cast(expanded_customers as double) / nullif(customers_at_start, 0), customers_at_start, false from cs
    union all select month, 'customer_success', {{ all_reps }}, 'net_revenue_retention', net_revenue_retention, null,
        false from {{ ref('arr_monthly') }}
    union all select month, 'customer_success', {{ all_reps }}, 'gross_revenue_retention', gross_revenue_retention,
        null, false from {{ ref('arr_monthly') }}
    union all select month, 'customer_success', {{ all_reps }}, 'nps', nps, responses, false from nps
    union all select month, 'customer_success', {{ all_reps }}, 'nps_responses', responses, null, false from nps
),

-- every department KPI in every month any KPI has a value (a month without MQLs still carries the
-- MQL target); the reps' rows only where they have a value
catalogue as (
    {%- set pairs = [] %}
    {%- for department, names in catalogue.items() %}{% for kpi in names %}
        {%- do pairs.append((department, kpi)) %}
    {%- endfor %}{% endfor %}
    {%- for department, kpi in pairs %}
    {% if not loop.first %}union all {% endif %}select '{{ department }}' as department, '{{ kpi }}' as kpi
    {%- endfor %}
),

company as (
    select c.department, c.kpi, m.month
    from catalogue as c
    cross join (select distinct month from kpis where month is not null) as m
),

rows_ as (
    select c.month, c.department, {{ all_reps }} as rep, c.kpi, k.value, k.cases, coalesce(k.is_young, false) as is_young
    from company as c
    left join kpis as k
        on k.month = c.month and k.department = c.department and k.kpi = c.kpi and k.rep = {{ all_reps }}
    union all
    select month, department, rep, kpi, value, cases, is_young
    from kpis
    where rep <> {{ all_reps }} and month is not null
)

select
    r.month,
    r.department,
    r.rep,
    r.kpi,
    cast(r.value as double) as value,
    cast(r.cases as {{ dbt.type_bigint() }}) as cases,
    r.is_young,
    t.target_low,
    t.target_high,
    case when t.target_low is null and t.target_high is null then null
         else band_status(r.value, t.target_low, t.target_high, r.cases, {{ rule('target_min_sample_size') }})
    end as target_status
from rows_ as r
left join {{ source('config', 'kpi_targets') }} as t on t.kpi = r.kpi
