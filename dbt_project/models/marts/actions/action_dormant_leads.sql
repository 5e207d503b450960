-- Leads with no activity (MA engagement, sales activity or stage entry) for recycling.dormant_days
-- before as_of, to reactivate. Customers, open hand-offs and leads disqualified for a reason that
-- stays out of nurture are not listed.

with last_touch as (
    select person_id, max(touched_at) as last_activity_at
    from (
        select person_id, occurred_at as touched_at from {{ ref('int_activity_points') }}
        where person_id is not null
        union all
        select l.person_id, a.occurred_at
        from {{ ref('stg_sfa__activities') }} as a
        inner join {{ ref('int_person_links') }} as l on l.record_type = 'sfa_lead' and l.record_id = a.sfa_lead_id
        union all
        select person_id, entered_at from {{ ref('int_stage_events_entered') }}
    ) as touches
    group by person_id
),

latest as (
    select * from {{ ref('lead_journey') }} where is_latest_cycle
)

select
    j.lead_id,
    j.cycle_number,
    j.person_name,
    j.email,
    j.account_name,
    j.segment,
    j.original_channel,
    t.last_activity_at,
    cast({{ dbt.datediff('t.last_activity_at', 'a.as_of', 'day') }} as {{ dbt.type_bigint() }}) as days_inactive,
    case
        when j.lost_at is not null then 'lost'
        when j.decision = 'non_sql' then 'non_sql'
        when j.mql_reached_at is not null then 'mql'
        else 'known'
    end as last_stage
from latest as j
cross join {{ ref('int_as_of') }} as a
inner join last_touch as t on t.person_id = j.lead_id
where j.customer_reached_at is null
    and coalesce(j.decision, 'none') <> 'pending'
    and coalesce(j.non_sql_reason, '') not in (
        select value from {{ source('config', 'rule_lists') }} where list_name = 'nurture_excluded_reasons')
    and t.last_activity_at < {{ dbt.dateadd('day', '-1 * ' ~ rule('dormant_days'), 'a.as_of') }}
