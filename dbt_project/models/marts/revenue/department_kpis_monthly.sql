-- Department KPIs per month (business time zone), one row per month, department and KPI:
--   marketing:        leads, mqls (vs the monthly target), campaign_cost, cost_per_lead, cost_per_mql,
--                     mql_to_sql_rate (the month's MQL cohort)
--   inside_sales:     calls, connected_calls, appointments, appointment_rate, sqls,
--                     avg_hours_to_first_contact (vs the target)
--   field_sales:      opportunities, won_deals, lost_deals, win_rate, won_amount, avg_sales_cycle_days
--   customer_success: customers_at_start, churned_customers, churn_rate, expanded_customers,
--                     upsell_rate, nps, nps_responses
-- Money in the reporting currency.

with journeys as (
    select * from {{ ref('lead_journey') }}
),

marketing_leads as (
    select known_month as month, count(*) as leads
    from journeys where cycle_number = 1 and known_month is not null
    group by known_month
),

marketing_mqls as (
    select cast({{ dbt.date_trunc('month', to_business_time('mql_at')) }} as date) as month, count(*) as mqls
    from journeys where mql_at is not null
    group by 1
),

campaign_cost as (
    select cast({{ dbt.date_trunc('month', 'c.started_on') }} as date) as month,
           sum(c.cost * r.rate) as cost
    from {{ ref('stg_ma__campaigns') }} as c
    left join {{ source('config', 'fx_rates') }} as r on r.currency = c.currency
    where c.started_on is not null
    group by 1
),

cohort_conversion as (
    select cohort_month as month,
           cast({{ count_where('sql_reached_at is not null') }} as double) / count(*) as mql_to_sql_rate
    from journeys where mql_at is not null
    group by cohort_month
),

is_activities as (
    select
        cast({{ dbt.date_trunc('month', to_business_time('a.occurred_at')) }} as date) as month,
        {{ count_where("a.activity_type = 'call'") }} as calls,
        {{ count_where("a.activity_type = 'call' and a.is_reached") }} as connected_calls,
        {{ count_where("a.outcome = 'appointment_set'") }} as appointments
    from {{ ref('stg_sfa__activities') }} as a
    inner join {{ ref('stg_sfa__users') }} as u on u.user_name = a.owner and u.role = 'is'
    group by 1
),

is_sqls as (
    select cast({{ dbt.date_trunc('month', to_business_time('sql_at')) }} as date) as month, count(*) as sqls
    from journeys where sql_at is not null
    group by 1
),

first_contact as (
    select cast({{ dbt.date_trunc('month', to_business_time('notified_at')) }} as date) as month,
           avg(hours_to_first_contact) as avg_hours_to_first_contact
    from journeys where hours_to_first_contact is not null
    group by 1
),

opportunities as (
    select * from {{ ref('opportunity_outcomes') }}
),

fs_created as (
    select created_month as month, count(*) as opportunities
    from opportunities group by 1
),

fs_closed as (
    -- the win rate and cycle of opportunity_outcomes, per month of closing
    select
        closed_month as month,
        {{ count_where('is_won') }} as won_deals,
        {{ count_where('is_lost') }} as lost_deals,
        sum(coalesce(won_amount, 0)) as won_amount,
        avg(case when is_won then days_to_close end) as avg_sales_cycle_days
    from opportunities where not is_open
    group by 1
),

cs as (
    select
        a.month,
        {{ count_where('a.previous_arr > 0') }} as customers_at_start,
        {{ count_where("a.movement = 'churn'") }} as churned_customers,
        {{ count_where("a.movement = 'expansion'") }} as expanded_customers
    from {{ ref('arr_account_monthly') }} as a
    group by a.month
),

nps as (
    select
        cast({{ dbt.date_trunc('month', to_business_time('responded_at')) }} as date) as month,
        count(*) as responses,
        cast(100 as double) * ({{ count_where('score >= 9') }} - {{ count_where('score <= 6') }}) / count(*) as nps
    from {{ ref('stg_crm__nps') }}
    group by 1
),

kpis as (
    select month, 'marketing' as department, 'leads' as kpi, cast(leads as double) as value, cast(null as double) as target from marketing_leads
    union all select month, 'marketing', 'mqls', mqls, {{ rule('target_mql_per_month') }} from marketing_mqls
    union all select month, 'marketing', 'campaign_cost', cost, null from campaign_cost
    union all select c.month, 'marketing', 'cost_per_lead', c.cost / nullif(l.leads, 0), null
        from campaign_cost as c inner join marketing_leads as l on l.month = c.month
    union all select c.month, 'marketing', 'cost_per_mql', c.cost / nullif(m.mqls, 0), null
        from campaign_cost as c inner join marketing_mqls as m on m.month = c.month
    union all select month, 'marketing', 'mql_to_sql_rate', mql_to_sql_rate, null from cohort_conversion
    union all select month, 'inside_sales', 'calls', calls, null from is_activities
    union all select month, 'inside_sales', 'connected_calls', connected_calls, null from is_activities
    union all select month, 'inside_sales', 'appointments', appointments, null from is_activities
    union all select month, 'inside_sales', 'appointment_rate', cast(appointments as double) / nullif(calls, 0), null from is_activities
    union all select month, 'inside_sales', 'sqls', sqls, null from is_sqls
    union all select month, 'inside_sales', 'avg_hours_to_first_contact', avg_hours_to_first_contact,
        {{ rule('target_first_contact_hours_avg_max') }} from first_contact
    union all select month, 'field_sales', 'opportunities', opportunities, null from fs_created
    union all select month, 'field_sales', 'won_deals', won_deals, null from fs_closed
    union all select month, 'field_sales', 'lost_deals', lost_deals, null from fs_closed
    union all select month, 'field_sales', 'win_rate', cast(won_deals as double) / nullif(won_deals + lost_deals, 0), null from fs_closed
    union all select month, 'field_sales', 'won_amount', won_amount, null from fs_closed
    union all select month, 'field_sales', 'avg_sales_cycle_days', avg_sales_cycle_days, null from fs_closed
    union all select month, 'customer_success', 'customers_at_start', customers_at_start, null from cs
    union all select month, 'customer_success', 'churned_customers', churned_customers, null from cs
    union all select month, 'customer_success', 'churn_rate', cast(churned_customers as double) / nullif(customers_at_start, 0), null from cs
    union all select month, 'customer_success', 'expanded_customers', expanded_customers, null from cs
    union all select month, 'customer_success', 'upsell_rate', cast(expanded_customers as double) / nullif(customers_at_start, 0), null from cs
    union all select month, 'customer_success', 'nps', nps, null from nps
    union all select month, 'customer_success', 'nps_responses', responses, null from nps
)

select month, department, kpi, cast(value as double) as value, cast(target as double) as target
from kpis
where month is not null
