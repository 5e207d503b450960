-- Next month's MQL plan against inside-sales capacity, per month of hand-offs (business time
-- zone): the reps who received hand-offs that month, what they can work (targets.
-- mqls_per_is_rep_month each), the monthly MQL target, the MQLs the fiscal year's new-ARR target
-- still needs per month (pipeline_coverage's reverse funnel), and the plan: the larger of target
-- and need, per rep, and whether it exceeds the capacity.

with reps as (
    select notified_month as month, count(distinct owner) as active_is_reps
    from {{ ref('lead_journey') }}
    where owner is not null and notified_month is not null
    group by notified_month
),

need as (
    select max(mqls_needed_per_month) as mqls_needed_per_month from {{ ref('pipeline_coverage') }}
),

plan as (
    select
        r.month,
        r.active_is_reps,
        {{ rule('target_mqls_per_is_rep_month') }} as mqls_per_is_rep,
        r.active_is_reps * {{ rule('target_mqls_per_is_rep_month') }} as is_capacity_mqls,
        {{ rule('target_mql_per_month') }} as target_mqls,
        n.mqls_needed_per_month,
        greatest(cast({{ rule('target_mql_per_month') }} as double), coalesce(n.mqls_needed_per_month, 0))
            as planned_mqls
    from reps as r
    cross join need as n
)

select
    *,
    planned_mqls / nullif(active_is_reps, 0) as planned_mqls_per_rep,
    planned_mqls > is_capacity_mqls as is_over_capacity
from plan
