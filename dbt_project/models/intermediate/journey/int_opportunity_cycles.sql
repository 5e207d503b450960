-- Each opportunity with its lead and cycle: the cycle of the SFA lead it was converted from, else
-- the cycle whose span holds its creation time; with its won / lost time from the stage history.

with cycles as (
    select * from {{ ref('int_lead_cycles') }}
),

opportunities as (
    select o.*, l.person_id, l.match_rule as person_match_rule
    from {{ ref('stg_sfa__opportunities') }} as o
    inner join {{ ref('int_person_links') }} as l
        on l.record_type = 'opportunity' and l.record_id = o.opportunity_id
),

closed as (
    select
        opportunity_id,
        min(case when stage = 'closed_won' then changed_at end) as won_changed_at,
        min(case when stage = 'closed_lost' then changed_at end) as lost_changed_at
    from {{ ref('stg_sfa__opportunity_history') }}
    group by opportunity_id
)

select
    o.opportunity_id,
    o.person_id,
    o.person_match_rule,
    coalesce(own.cycle_number, placed.cycle_number) as cycle_number,
    o.account_id,
    o.owner,
    o.stage,
    o.is_won,
    o.is_lost,
    o.is_closed,
    o.amount,
    o.currency,
    o.lost_reason,
    o.created_at,
    o.close_date,
    o.modified_at,
    c.won_changed_at,
    c.lost_changed_at
from opportunities as o
left join cycles as own on own.sfa_lead_id = o.sfa_lead_id and own.person_id = o.person_id
left join cycles as placed
    on placed.person_id = o.person_id
    and (placed.starts_at is null or placed.starts_at <= o.created_at)
    and (placed.ends_before is null or o.created_at < placed.ends_before)
left join closed as c on c.opportunity_id = o.opportunity_id
