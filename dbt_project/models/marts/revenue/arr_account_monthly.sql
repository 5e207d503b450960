-- MRR and ARR (= MRR x 12) of every customer account at each month's end (the month in progress:
-- on the as-of date, marked is_partial), in the reporting currency, with the month's movement: new
-- (from zero, a returning customer included), expansion, contraction, churn (to zero).

with lines as (
    select * from {{ ref('int_subscription_lines') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

months as (
    select distinct c.month_start
    from {{ source('config', 'calendar') }} as c
    cross join as_of
    where c.month_start >= (select min({{ dbt.date_trunc('month', 'start_date') }}) from lines)
        and c.month_start <= cast({{ dbt.date_trunc('month', 'as_of.as_of_local_date') }} as date)
),

grid as (
    -- each month is measured on its last day; the month in progress on the as-of date (nothing
    -- dated after it counts)
    select
        a.account_id,
        m.month_start,
        least(cast({{ dbt.last_day('m.month_start', 'month') }} as date), o.as_of_local_date) as month_end,
        m.month_start = o.as_of_month as is_partial
    from (select distinct account_id from lines) as a
    cross join months as m
    cross join as_of as o
),

mrr as (
    select
        g.account_id,
        g.month_start,
        g.is_partial,
        cast(coalesce(sum(l.mrr_reporting), 0) as decimal(18, 2)) as mrr
    from grid as g
    left join lines as l
        on l.account_id = g.account_id
        and l.start_date <= g.month_end
        and (l.end_date is null or l.end_date >= g.month_end)
    group by g.account_id, g.month_start, g.is_partial
),

moves as (
    select
        *,
        coalesce(lag(mrr) over (partition by account_id order by month_start), 0) as previous_mrr
    from mrr
)

select
    account_id,
    month_start as month,
    is_partial,
    mrr,
    cast(mrr * 12 as decimal(18, 2)) as arr,
    cast(previous_mrr * 12 as decimal(18, 2)) as previous_arr,
    cast(case when previous_mrr = 0 and mrr > 0 then mrr * 12 else 0 end as decimal(18, 2)) as new_arr,
    cast(case when previous_mrr > 0 and mrr > previous_mrr then (mrr - previous_mrr) * 12 else 0 end
         as decimal(18, 2)) as expansion_arr,
    cast(case when previous_mrr > 0 and mrr > 0 and mrr < previous_mrr then (previous_mrr - mrr) * 12 else 0 end
         as decimal(18, 2)) as contraction_arr,
    cast(case when previous_mrr > 0 and mrr = 0 then previous_mrr * 12 else 0 end as decimal(18, 2)) as churned_arr,
    case
        when previous_mrr = 0 and mrr > 0 then 'new'
        when previous_mrr > 0 and mrr = 0 then 'churn'
        when mrr > previous_mrr then 'expansion'
        when mrr < previous_mrr then 'contraction'
        when mrr > 0 then 'flat'
        else 'none'
    end as movement,
    {{ rule('reporting_currency') }} as currency
from moves
