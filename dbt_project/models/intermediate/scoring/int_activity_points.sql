-- Engagement points of every MA activity: the first engagement rule (by priority) whose activity
-- type, and asset type when the rule names one, match. Activities of unknown leads are kept with
-- a null person (they are countable as orphans).

with activities as (
    select a.*, l.person_id
    from {{ ref('stg_ma__activities') }} as a
    left join {{ ref('int_person_links') }} as l
        on l.record_type = 'ma_lead' and l.record_id = a.lead_id
),

-- the rules are matched once per (activity type, asset type), not per activity
kinds as (
    select distinct activity_type, asset_type from activities
),

matched as (
    select activity_type, asset_type, points
    from (
        select
            k.activity_type,
            k.asset_type,
            r.points,
            row_number() over (partition by k.activity_type, k.asset_type order by r.priority) as rank_
        from kinds as k
        inner join {{ source('config', 'engagement_rules') }} as r
            on r.activity_type = k.activity_type
            and (r.asset_type is null or r.asset_type = k.asset_type)
    ) as ranked
    where rank_ = 1
)

select
    a.activity_id,
    a.person_id,
    a.lead_id,
    a.activity_type,
    a.asset_type,
    a.campaign_id,
    a.occurred_at,
    coalesce(m.points, 0) as points
from activities as a
left join matched as m
    on m.activity_type = a.activity_type and m.asset_type is not distinct from a.asset_type
