-- The ARR bridge per month (starting + new + expansion - contraction - churn = ending) with
-- customers, and net and gross revenue retention over twelve months: of the accounts that were
-- customers twelve months earlier, their ARR now over their ARR then (NRR), and the same with each
-- account capped at its ARR then, so expansion does not count (GRR).

with accounts as (
    select * from {{ ref('arr_account_monthly') }}
),

bridge as (
    select
        month,
        bool_or(is_partial) as is_partial,
        cast(sum(previous_arr) as decimal(38, 2)) as starting_arr,
        cast(sum(new_arr) as decimal(38, 2)) as new_arr,
        cast(sum(expansion_arr) as decimal(38, 2)) as expansion_arr,
        cast(sum(contraction_arr) as decimal(38, 2)) as contraction_arr,
        cast(sum(churned_arr) as decimal(38, 2)) as churned_arr,
        cast(sum(arr) as decimal(38, 2)) as ending_arr,
        {{ count_where('arr > 0') }} as customers,
        {{ count_where("movement = 'new'") }} as new_customers,
        {{ count_where("movement = 'churn'") }} as churned_customers
    from accounts
    group by month
),

retention as (
    select
        now_.month,
        sum(then_.arr) as cohort_arr_12_months_ago,
        sum(now_.arr) as cohort_arr_now,
        sum(case when now_.arr < then_.arr then now_.arr else then_.arr end) as cohort_arr_now_capped
    from accounts as now_
    inner join accounts as then_
        on then_.account_id = now_.account_id
        and then_.month = cast({{ dbt.dateadd('month', -12, 'now_.month') }} as date)
    where then_.arr > 0
    group by now_.month
)

select
    b.*,
    cast(cast(r.cohort_arr_now as double) / nullif(cast(r.cohort_arr_12_months_ago as double), 0) as double)
        as net_revenue_retention,
    cast(cast(r.cohort_arr_now_capped as double) / nullif(cast(r.cohort_arr_12_months_ago as double), 0) as double)
        as gross_revenue_retention,
    {{ rule('reporting_currency') }} as currency
from bridge as b
left join retention as r on r.month = b.month
