-- Leads to recycle, with the date to approach them again:
--   non_sql: decided non-SQL (disqualified or recycled; reasons in
--            recycling.nurture_excluded_reasons stay out) -> back to nurture from the decision date;
--   lost:    lost deals -> by lost reason (recycling.reapproach_after_loss): some months after the
--            close date, or the first start of the customers' budgeting season after it
--            (recycling.budgeting_season_start_month; budgets for the next fiscal year).
-- Only each lead's latest cycle counts, and not when the lead won or became a customer since.
-- is_due: the date has come; is_within_horizon: it comes within actions.horizon_days (the weekly
-- working view's list).

with journeys as (
    select * from {{ ref('lead_journey') }} where is_latest_cycle and won_reached_at is null
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

non_sql as (
    select
        j.lead_id, j.cycle_number, 'non_sql' as recycle_source, j.non_sql_reason as reason,
        cast({{ to_business_time('j.decided_at') }} as date) as event_date,
        cast({{ to_business_time('j.decided_at') }} as date) as reapproach_date,
        'nurture' as action
    from journeys as j
    where j.decision = 'non_sql'
        and coalesce(j.non_sql_reason, '') not in (
            select value from {{ source('config', 'rule_lists') }} where list_name = 'nurture_excluded_reasons')
),

lost as (
    -- two deals of a cycle lost on one day for one reason are one re-approach
    select distinct o.person_id as lead_id, o.cycle_number, o.lost_reason, o.close_date
    from {{ ref('int_opportunity_cycles') }} as o
    inner join journeys as j on j.lead_id = o.person_id and j.cycle_number = o.cycle_number
    where o.is_lost
),

lost_dated as (
    select
        l.lead_id, l.cycle_number, 'lost' as recycle_source, l.lost_reason as reason,
        l.close_date as event_date,
        case
            when r.budgeting_season then
                cast({{ dbt.dateadd('month', "(" ~ rule('budgeting_season_start_month') ~ " - 1)",
                                    dbt.dateadd('year',
                                                "case when extract(month from l.close_date) >= "
                                                ~ rule('budgeting_season_start_month') ~ " then 1 else 0 end",
                                                dbt.date_trunc('year', 'l.close_date'))) }} as date)
            when r.months_after is not null then
                cast({{ dbt.dateadd('month', 'r.months_after', 'l.close_date') }} as date)
        end as reapproach_date,
        'reapproach' as action
    from lost as l
    left join {{ source('config', 'reapproach_rules') }} as r on r.lost_reason = l.lost_reason
),

queue as (
    select * from non_sql
    union all
    select * from lost_dated
)

select
    q.lead_id,
    q.cycle_number,
    q.recycle_source,
    q.action,
    q.reason,
    q.event_date,
    q.reapproach_date,
    q.reapproach_date is not null and q.reapproach_date <= a.as_of_local_date as is_due,
    q.reapproach_date is not null and q.reapproach_date <= a.action_horizon_date as is_within_horizon,
    j.person_name,
    j.email,
    j.account_name,
    j.owner,
    j.opportunity_owner,
    j.original_channel
from queue as q
cross join as_of as a
inner join journeys as j on j.lead_id = q.lead_id and j.cycle_number = q.cycle_number
