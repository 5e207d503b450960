-- Are we on track for the fiscal year's new-ARR target? One row for the fiscal year of as_of: new
-- ARR won so far (deals won since the year began, by when they were won, as opportunity_outcomes
-- dates them), what remains, the open pipeline expected to close within the year, its coverage of
-- the remainder and its forecast (opportunity_outcomes' categories: commit = won + open commit
-- deals, best case = commit + open best-case deals, weighted = won + the open deals' weighted
-- amounts), and the reverse funnel: at the measured conversion rates (mature cohorts of the last
-- twelve months) and the average won deal of the last twelve months, the deals, opportunities,
-- SQLs and MQLs still needed, in total and per remaining month.

with as_of as (
    select * from {{ ref('int_as_of') }}
),

fiscal as (
    select
        c.fiscal_year,
        min(c.date_day) as fiscal_year_start,
        max(c.date_day) as fiscal_year_end
    from {{ source('config', 'calendar') }} as c
    where c.fiscal_year = (
        select c2.fiscal_year from {{ source('config', 'calendar') }} as c2
        cross join as_of where c2.date_day = as_of.as_of_local_date)
    group by c.fiscal_year
),

opps as (
    select * from {{ ref('opportunity_outcomes') }}
),

won_fytd as (
    select cast(sum(o.amount) as decimal(38, 2)) as won_arr, count(*) as won_deals
    from opps as o cross join fiscal as f cross join as_of as a
    where o.is_won
        and cast({{ to_business_time('o.closed_at') }} as date) between f.fiscal_year_start and a.as_of_local_date
),

open_pipeline as (
    select
        cast(sum(o.amount) as decimal(38, 2)) as open_amount,
        cast(sum(case when o.close_date <= f.fiscal_year_end then o.amount else 0 end)
             as decimal(38, 2)) as open_amount_this_year,
        {% for category in ['commit', 'best_case'] -%}
        cast(sum(case when o.close_date <= f.fiscal_year_end and o.forecast_category = '{{ category }}'
                      then o.amount else 0 end) as decimal(38, 2)) as open_{{ category }}_this_year,
        {% endfor -%}
        cast(sum(case when o.close_date <= f.fiscal_year_end then o.weighted_amount else 0 end)
             as decimal(38, 2)) as open_weighted_this_year,
        count(*) as open_opportunities,
        count(o.amount) as open_with_amount
    from opps as o cross join fiscal as f
    where o.is_open
),

deal_size as (
    select avg(cast(o.amount as double)) as average_won_deal
    from opps as o cross join as_of as a
    where o.is_won and o.close_date > cast({{ dbt.dateadd('month', -12, 'a.as_of_local_date') }} as date)
),

mature as (
    select j.*
    from {{ ref('lead_journey') }} as j
    cross join as_of as a
    where j.cohort_month is not null
        and not {{ cohort_is_young('j.cohort_month', 'a.as_of_local_date') }}
        and j.cohort_month > cast({{ dbt.dateadd('day', '-1 * ' ~ rule('funnel_maturity_days'),
                                                  dbt.dateadd('month', -12, 'a.as_of_local_date')) }} as date)
),

rates as (
    select
        cast(sum(case when sql_reached_at is not null then 1 else 0 end) as double)
            / nullif(count(*), 0) as mql_to_sql,
        cast(sum(case when opportunity_reached_at is not null then 1 else 0 end) as double)
            / nullif(sum(case when sql_reached_at is not null then 1 else 0 end), 0) as sql_to_opportunity,
        cast(sum(case when won_reached_at is not null then 1 else 0 end) as double)
            / nullif(sum(case when opportunity_reached_at is not null then 1 else 0 end), 0) as opportunity_to_won
    from mature
),

plan as (
    select
        f.fiscal_year,
        f.fiscal_year_start,
        f.fiscal_year_end,
        {{ rule('target_new_arr_fiscal_year') }} as target_new_arr,
        coalesce(w.won_arr, 0) as won_new_arr,
        coalesce(w.won_deals, 0) as won_deals,
        greatest({{ rule('target_new_arr_fiscal_year') }} - coalesce(w.won_arr, 0), 0) as remaining_new_arr,
        coalesce(p.open_amount, 0) as open_pipeline,
        coalesce(p.open_amount_this_year, 0) as open_pipeline_this_year,
        coalesce(w.won_arr, 0) + coalesce(p.open_commit_this_year, 0) as commit_forecast,
        coalesce(w.won_arr, 0) + coalesce(p.open_commit_this_year, 0) + coalesce(p.open_best_case_this_year, 0)
            as best_case_forecast,
        coalesce(w.won_arr, 0) + coalesce(p.open_weighted_this_year, 0) as weighted_forecast,
        coalesce(p.open_opportunities, 0) as open_opportunities,
        coalesce(p.open_with_amount, 0) as open_opportunities_with_amount,
        d.average_won_deal,
        r.mql_to_sql,
        r.sql_to_opportunity,
        r.opportunity_to_won,
        cast((extract(year from f.fiscal_year_end) - extract(year from a.as_of_local_date)) * 12
            + extract(month from f.fiscal_year_end) - extract(month from a.as_of_local_date) + 1
            as {{ dbt.type_bigint() }}) as months_remaining
    from fiscal as f
    cross join as_of as a
    cross join won_fytd as w
    cross join open_pipeline as p
    cross join deal_size as d
    cross join rates as r
)

select
    plan.*,
    -- open deals none of which has an amount yet say nothing about coverage (not 0x)
    case when open_opportunities = 0 or open_opportunities_with_amount > 0 then
        cast(open_pipeline_this_year as double) / nullif(cast(remaining_new_arr as double), 0)
    end as pipeline_coverage,
    cast(ceil(cast(remaining_new_arr as double) / nullif(cast(average_won_deal as double), 0)) as double) as deals_needed,
    cast(ceil(cast(remaining_new_arr as double) / nullif(cast(average_won_deal as double), 0)
         / nullif(opportunity_to_won, 0)) as double) as opportunities_needed,
    cast(ceil(cast(remaining_new_arr as double) / nullif(cast(average_won_deal as double), 0)
         / nullif(opportunity_to_won, 0) / nullif(sql_to_opportunity, 0)) as double) as sqls_needed,
    cast(ceil(cast(remaining_new_arr as double) / nullif(cast(average_won_deal as double), 0)
         / nullif(opportunity_to_won, 0) / nullif(sql_to_opportunity, 0) / nullif(mql_to_sql, 0)) as double) as mqls_needed,
    cast(ceil(cast(remaining_new_arr as double) / nullif(cast(average_won_deal as double), 0)
         / nullif(opportunity_to_won, 0) / nullif(sql_to_opportunity, 0) / nullif(mql_to_sql, 0)
         / nullif(months_remaining, 0)) as double) as mqls_needed_per_month,
    {{ rule('reporting_currency') }} as currency
from plan
